using System.Net.Http.Json;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// Loading the model is a stage of its own on the job's page, between waiting and denoising, rather than time spent
/// at "Preparing 0 %".
/// </summary>
public sealed class ModelLoadingBrowserTests : BrowserTest
{
    [Fact]
    public async Task JobNeedingANewPipeline_PageShowsLoadingTheModelBeforeDenoising()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = Browser.Page;
        using var api = new HttpClient { BaseAddress = Root };
        // The blocker runs with the low-memory options, a pipeline of its own; the watched job's default options then
        // need the pack loaded again, after the page is attached and recording.
        using var blockerForm = JobRequests.Form(Fixtures.Image("logo_128x64.png"), """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":200,"seed":1}""");
        blockerForm.Add(new StringContent("true"), "lowMemory");
        var blocker = (await (await api.PostAsync("/api/jobs", blockerForm, ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct))!.Id;
        await JobPolls.WaitForDenoisedAsync(api, blocker, 1, ct);
        // Enough steps that denoising lasts longer than a render batch: two tiny steps can finish between two renders
        // of the page (Blazor coalesces them while the browser acknowledges the last), and then no step is ever shown.
        const string watchedRecipe = """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":40,"decodeChunkSize":2,"seed":42}""";
        var watched = (await (await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), watchedRecipe), ct))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct))!.Id;

        await Browser.GotoAsync(new Uri(Root, $"/gallery/{watched}"));
        await Expect(page.Locator("#progress-stage")).ToHaveTextAsync("Waiting in the queue");
        await StageRecorder.StartAsync(page);
        (await api.PostAsync($"/api/jobs/{blocker}/cancel", null, ct)).EnsureSuccessStatusCode();
        var stages = await StageRecorder.UntilVideoAsync(page, watched);

        var loading = stages.FindIndex(s => s.StartsWith("Loading the model (first run of this pack on this worker)", StringComparison.Ordinal));
        var denoising = stages.FindIndex(s => s.StartsWith("Denoising step", StringComparison.Ordinal));
        Assert.True(loading >= 0 && denoising > loading, "Expected the loading stage before denoising; saw: " + string.Join(" | ", stages));
    }
}
