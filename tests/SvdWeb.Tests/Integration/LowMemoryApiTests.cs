using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// The per-job "low memory" choice on the real host: stored with the job, run with model CPU offload and forward
/// chunking (the pipeline is loaded with them, said in the log), and the same frames as the job without it.
/// </summary>
public sealed class LowMemoryApiTests : IDisposable
{
    // The pipeline cache says at Information which memory options it loaded a pack with.
    private readonly SvdWebFactory _factory = new(settings: new Dictionary<string, string?> { ["Logging:LogLevel:SvdWeb.Devices.PipelineCache"] = "Information" });

    [Fact]
    public async Task Submit_LowMemory_RunsWithBothOptionsAndGivesTheSameFrames()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var plain = await SubmitAsync(client, lowMemory: null, ct);
        var low = await SubmitAsync(client, lowMemory: "true", ct);

        Assert.False(plain.LowMemory);
        Assert.True(low.LowMemory);
        var plainDone = await JobPolls.WaitForEndAsync(client, plain.Id, ct);
        var lowDone = await JobPolls.WaitForEndAsync(client, low.Id, ct);
        Assert.True(plainDone.Status == JobStatus.Succeeded, plainDone.Error);
        Assert.True(lowDone.Status == JobStatus.Succeeded, lowDone.Error);
        Assert.True(lowDone.LowMemory);
        Assert.Contains(_factory.Logs.Entries, e => e.Message.Contains("memory options: model CPU offload, forward chunking", StringComparison.Ordinal));
        // The options change where tensors live and how the feed-forward is sliced, not a single value.
        Assert.Equal(await FramesAsync(client, plain.Id, ct), await FramesAsync(client, low.Id, ct));
    }

    [Fact]
    public async Task Submit_LowMemoryNotABoolean_400NamingTheFieldAndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        using var form = JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe);
        form.Add(new StringContent("yes please"), "lowMemory");

        var response = await client.PostAsync("/api/jobs", form, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Contains("true or false", problem.RootElement.GetProperty("errors").GetProperty("lowMemory")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await JobRequests.GalleryItemsAsync(client, ct));
    }

    private static async Task<JobDto> SubmitAsync(HttpClient client, string? lowMemory, CancellationToken ct)
    {
        using var form = JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe);
        if (lowMemory is not null) form.Add(new StringContent(lowMemory), "lowMemory");
        var response = await client.PostAsync("/api/jobs", form, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
    }

    private static async Task<string[]> FramesAsync(HttpClient client, Guid id, CancellationToken ct)
    {
        using var archive = new ZipArchive(await client.GetStreamAsync(new Uri($"/api/jobs/{id}/frames.zip", UriKind.Relative), ct));
        var frames = new List<string>();
        foreach (var entry in archive.Entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            buffer.Position = 0;
            frames.Add($"{entry.Name}:{FramePixels.Fingerprint(buffer)}");
        }
        return [.. frames];
    }

    public void Dispose() => _factory.Dispose();
}
