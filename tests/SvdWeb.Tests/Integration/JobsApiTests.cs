using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;
using static SvdWeb.Tests.JobRequests;

namespace SvdWeb.Tests.Integration;

/// <summary>The REST API against the real host: tiny pack on CPU, real SQLite file, real ffmpeg.</summary>
public sealed class JobsApiTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Submit_TinyPack_CompletesWithPlayableMp4AndFramesZip()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), SmallRecipe), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JobDto>(Json, ct);
        Assert.Equal($"/api/jobs/{accepted!.Id}", response.Headers.Location?.OriginalString);
        var job = await JobPolls.WaitForEndAsync(client, accepted.Id, ct);
        Assert.True(job.Status == JobStatus.Succeeded, job.Error);
        Assert.Equal("CPU", job.Provider);
        Assert.Equal(42, job.Recipe.Seed);

        var video = await client.GetAsync($"/api/jobs/{job.Id}/video", ct);
        Assert.Equal("video/mp4", video.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", video.Headers.GetValues("X-Content-Type-Options").Single());
        var path = Path.Combine(_factory.DataFolder, "downloaded.mp4");
        await File.WriteAllBytesAsync(path, await video.Content.ReadAsByteArrayAsync(ct), ct);
        Assert.Equal(new FfprobeInfo("h264", "yuv420p", 128, 64, 4, "7/1"), await FfprobeInfo.ReadAsync(path, ct));

        var zip = await client.GetAsync($"/api/jobs/{job.Id}/frames.zip", ct);
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        using var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync(ct));
        Assert.Equal(["frame_0000.png", "frame_0001.png", "frame_0002.png", "frame_0003.png"], archive.Entries.Select(e => e.Name).Order());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/jobs/{job.Id}/thumbnail.png", ct)).StatusCode);
        Assert.Equal("image/gif", (await client.GetAsync($"/api/jobs/{job.Id}/preview.gif", ct)).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_Job_EnumsAsNamesAndTheRecipePostsBackAsRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var accepted = await (await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), SmallRecipe), ct)).Content.ReadFromJsonAsync<JobDto>(Json, ct);
        await JobPolls.WaitForEndAsync(client, accepted!.Id, ct);

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/jobs/{accepted.Id}", ct));

        var root = json.RootElement;
        Assert.Equal("succeeded", root.GetProperty("status").GetString());
        var recipe = root.GetProperty("recipe");
        Assert.Equal("stretch", recipe.GetProperty("fit").GetString());
        Assert.Equal("legacy", recipe.GetProperty("halfRandn").GetString());
        // A script can resubmit exactly what it read.
        var again = await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), recipe.GetRawText()), ct);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var resubmitted = await again.Content.ReadFromJsonAsync<JobDto>(Json, ct);
        Assert.Equal(accepted.Recipe, resubmitted!.Recipe);
    }

    [Fact]
    public async Task Submit_BadParameter_ProblemDetailsNamesField()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), """{"height":72,"width":128}"""), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var message = problem.RootElement.GetProperty("errors").GetProperty("height")[0].GetString();
        Assert.Contains("height must be a multiple of 16", message, StringComparison.Ordinal);
        Assert.Empty(await GalleryItemsAsync(client, ct));
    }

    [Theory]
    [InlineData("""{"numFrames":"six"}""", "numFrames")]
    [InlineData("""{"colour":"red"}""", "colour")]
    [InlineData("""not json""", "recipe")]
    public async Task Submit_MalformedRecipe_ProblemNamesField(string recipe, string field)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await _factory.CreateClient().PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), recipe), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task Submit_NotAnImage_RefusedAndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var html = Path.Combine(_factory.DataFolder, "page.png");
        await File.WriteAllTextAsync(html, "<html><body>not a picture</body></html>", ct);

        var response = await client.PostAsync("/api/jobs", Form(html, SmallRecipe, "page.png"), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Contains("page.png", problem.RootElement.GetProperty("errors").GetProperty("image")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await GalleryItemsAsync(client, ct));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_factory.DataFolder, "media")));
    }

    [Fact]
    public async Task Delete_FinishedJob_RemovesRowAndFiles()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var accepted = await (await client.PostAsync("/api/jobs", Form(Fixtures.Image("rose_70x46.png"), SmallRecipe), ct)).Content.ReadFromJsonAsync<JobDto>(Json, ct);
        await JobPolls.WaitForEndAsync(client, accepted!.Id, ct);
        var folder = Path.Combine(_factory.DataFolder, "media", accepted.Id.ToString("N"));
        Assert.True(Directory.Exists(folder));

        var deleted = await client.DeleteAsync($"/api/jobs/{accepted.Id}", ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/jobs/{accepted.Id}", ct)).StatusCode);
        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/jobs/{accepted.Id}", ct)).StatusCode);
    }

    [Fact]
    public async Task Cancel_QueuedJob_MarkedCancelledAndNeverRuns()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        // The first job keeps the single CPU worker busy; the second waits and is cancelled.
        var slow = await (await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}"""), ct)).Content.ReadFromJsonAsync<JobDto>(Json, ct);
        var waiting = await (await client.PostAsync("/api/jobs", Form(Fixtures.Image("logo_128x64.png"), SmallRecipe), ct)).Content.ReadFromJsonAsync<JobDto>(Json, ct);

        var cancel = await client.PostAsync($"/api/jobs/{waiting!.Id}/cancel", null, ct);
        var cancelSlow = await client.PostAsync($"/api/jobs/{slow!.Id}/cancel", null, ct);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelSlow.StatusCode);
        var cancelled = await JobPolls.WaitForEndAsync(client, waiting.Id, ct);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Null(cancelled.StartedUtc);
        var slowEnd = await JobPolls.WaitForEndAsync(client, slow.Id, ct);
        Assert.Equal(JobStatus.Cancelled, slowEnd.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/jobs/{waiting.Id}/cancel", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.GetAsync($"/api/jobs/{slow.Id}/video", ct)).StatusCode);
        Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(_factory.DataFolder, "media", slow.Id.ToString("N"))).Select(Path.GetFileName));
        // The cancelled run's attempt folder went with its outputs.
        Assert.Empty(Directory.GetDirectories(Path.Combine(_factory.DataFolder, "media", slow.Id.ToString("N"))));
    }

    [Fact]
    public async Task Models_ListsTinyPackAsDefault()
    {
        var packs = await _factory.CreateClient().GetFromJsonAsync<PackDto[]>("/api/models", Json, TestContext.Current.CancellationToken);

        var tiny = Assert.Single(packs!, p => p.Name == "tiny-svd");
        Assert.True(tiny.Valid);
        Assert.True(tiny.IsDefault);
        Assert.Equal(6, tiny.DefaultFrames);
    }

    [Fact]
    public async Task OpenApi_DocumentListsJobEndpoints()
    {
        var document = await _factory.CreateClient().GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        foreach (var path in new[] { "/api/jobs", "/api/jobs/{id}", "/api/jobs/{id}/cancel", "/api/jobs/{id}/video", "/api/jobs/{id}/frames.zip", "/api/gallery", "/api/models" })
            Assert.Contains($"\"{path}\"", document, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _factory.Dispose();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
