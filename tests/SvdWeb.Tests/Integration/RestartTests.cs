using System.Net.Http.Json;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>A restart loses no queued job: two hosts in turn over one data folder (one SQLite file).</summary>
public sealed class RestartTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-restart-").FullName;

    [Fact]
    public async Task Restart_WithRunningAndQueuedJobs_RunningInterruptedQueuedComplete()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid running, queuedA, queuedB;
        using (var first = new SvdWebFactory(_data))
        {
            var client = first.CreateClient();
            running = await SubmitAsync(client, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", ct);
            queuedA = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
            queuedB = await SubmitAsync(client, JobRequests.SmallRecipe.Replace("42", "43", StringComparison.Ordinal), ct);
            await JobPolls.WaitForStatusAsync(client, running, JobStatus.Running, ct);
        } // host stops here, mid-job

        using var second = new SvdWebFactory(_data);
        var restarted = second.CreateClient();
        var interrupted = await restarted.GetFromJsonAsync<JobDto>($"/api/jobs/{running}", JobRequests.Json, ct);
        Assert.Equal(JobStatus.Interrupted, interrupted!.Status);
        Assert.Contains("retry", interrupted.Error, StringComparison.Ordinal);

        var a = await JobPolls.WaitForEndAsync(restarted, queuedA, ct);
        var b = await JobPolls.WaitForEndAsync(restarted, queuedB, ct);
        Assert.Equal((JobStatus.Succeeded, JobStatus.Succeeded), (a.Status, b.Status));
        Assert.True(a.StartedUtc <= b.StartedUtc, "Queued jobs ran out of order.");
        Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(_data, "media", running.ToString("N"))).Select(Path.GetFileName));
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
