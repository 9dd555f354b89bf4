using System.Net;
using System.Net.Http.Json;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>GET /api/jobs/{id}/video?format=…&amp;loop=…: other formats made from the stored frames by the real ffmpeg, once.</summary>
public sealed class VideoFormatsApiTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Video_WebMPingPong_MadeFromTheFramesOnceThenServedFromTheCache()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);
        var folder = Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"));

        var first = await client.GetAsync($"/api/jobs/{job.Id}/video?format=webm&loop=pingpong", ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("video/webm", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"svdweb-{job.Id:N}-0-pingpong.webm", first.Content.Headers.ContentDisposition?.FileNameStar ?? first.Content.Headers.ContentDisposition?.FileName);
        var downloaded = Path.Combine(_factory.DataFolder, "downloaded.webm");
        await File.WriteAllBytesAsync(downloaded, await first.Content.ReadAsByteArrayAsync(ct), ct);
        var info = await FfprobeInfo.ReadAsync(downloaded, ct);
        Assert.Equal(("vp9", 128, 64, 6), (info.Codec, info.Width, info.Height, info.Frames));   // 4 frames: 0 1 2 3 2 1
        var cached = Path.Combine(folder, "video_0.pingpong.webm");
        var written = File.GetLastWriteTimeUtc(cached);

        var second = await client.GetAsync($"/api/jobs/{job.Id}/video?format=webm&loop=pingpong", ct);

        Assert.Equal(await File.ReadAllBytesAsync(downloaded, ct), await second.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));
        Assert.DoesNotContain(Directory.GetFiles(folder), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task Video_SameFormatAskedFourTimesAtOnce_OneEncodeAndTheSameBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.GetAsync($"/api/jobs/{job.Id}/video?format=gif", ct)));

        Assert.All(responses, r => Assert.Equal("image/gif", r.Content.Headers.ContentType?.MediaType));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsByteArrayAsync(ct)));
        Assert.All(bodies, b => Assert.Equal(bodies[0], b));
        var gifs = Directory.GetFiles(Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N")), "*.gif").Select(Path.GetFileName).Order();
        Assert.Equal(["preview.gif", "video_0.forward.gif"], gifs);
    }

    [Fact]
    public async Task Video_DefaultsAndExplicitMp4Forward_TheStoredFile()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);

        var plain = await client.GetByteArrayAsync($"/api/jobs/{job.Id}/video", ct);
        var explicitDefaults = await client.GetByteArrayAsync($"/api/jobs/{job.Id}/video?format=mp4&loop=forward", ct);

        var stored = await File.ReadAllBytesAsync(Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"), "video_0.mp4"), ct);
        Assert.Equal(stored, plain);
        Assert.Equal(stored, explicitDefaults);
    }

    [Fact]
    public async Task Video_InterpolatedTwice_TwiceTheFramesAndTheRate()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);

        var response = await client.GetAsync($"/api/jobs/{job.Id}/video?interpolate=2", ct);

        Assert.Equal($"svdweb-{job.Id:N}-0-x2.mp4", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var downloaded = Path.Combine(_factory.DataFolder, "smooth.mp4");
        await File.WriteAllBytesAsync(downloaded, await response.Content.ReadAsByteArrayAsync(ct), ct);
        Assert.Equal(new FfprobeInfo("h264", "yuv420p", 128, 64, 8, "14/1"), await FfprobeInfo.ReadAsync(downloaded, ct));
        Assert.True(File.Exists(Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"), "video_0.forward.x2.mp4")));
    }

    [Theory]
    [InlineData("interpolate=3", "interpolate", "1, 2 or 4")]
    [InlineData("format=avi", "format", "mp4, webm, gif, webp")]
    [InlineData("format=1", "format", "mp4, webm, gif, webp")]
    [InlineData("loop=backward", "loop", "forward or pingpong")]
    public async Task Video_UnknownChoice_400NamingTheAllowedValues(string query, string field, string allowed)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);

        var response = await client.GetAsync($"/api/jobs/{job.Id}/video?{query}", ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>(ct);
        Assert.Contains(allowed, Assert.Single(problem!.Errors[field]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Video_ItemDeleted_CachedFormatsGoWithIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);
        (await client.GetAsync($"/api/jobs/{job.Id}/video?format=webp&loop=pingpong", ct)).EnsureSuccessStatusCode();
        var folder = Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"));
        Assert.True(File.Exists(Path.Combine(folder, "video_0.pingpong.webp")));

        (await client.DeleteAsync($"/api/jobs/{job.Id}", ct)).EnsureSuccessStatusCode();

        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Video_FramesZipDamaged_410AndNothingLeftBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);
        var folder = Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "frames_0.zip"), "PK\u0003\u0004 not a zip"u8.ToArray(), ct);
        var before = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray();

        var response = await client.GetAsync($"/api/jobs/{job.Id}/video?format=gif", ct);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("regenerated", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Succeeded_OutputsInTheItemsOwnFolderAsInGalleriesFromBeforeAttemptFolders_PlaysDownloadsConverts()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var job = await SucceededJobAsync(client, ct);
        var folder = Path.Combine(_factory.DataFolder, "media", job.Id.ToString("N"));

        // The run wrote into attempt-1/ and its outcome moved the files up: the item's folder is laid out as every
        // item made before attempt folders is, which is all the readers below look at.
        Assert.Empty(Directory.GetDirectories(folder));
        Assert.All(new[] { "video_0.mp4", "frames_0.zip", "thumb.png", "preview.gif" }, file => Assert.True(File.Exists(Path.Combine(folder, file)), file));

        var video = await client.GetAsync($"/api/jobs/{job.Id}/video", ct);
        Assert.Equal(HttpStatusCode.OK, video.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folder, "video_0.mp4"), ct), await video.Content.ReadAsByteArrayAsync(ct));
        var zip = await client.GetAsync($"/api/jobs/{job.Id}/frames.zip", ct);
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        using (var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync(ct)))
            Assert.Equal(4, archive.Entries.Count);
        var gif = await client.GetAsync($"/api/jobs/{job.Id}/video?format=gif", ct);
        Assert.Equal(("image/gif", true), (gif.Content.Headers.ContentType?.MediaType, File.Exists(Path.Combine(folder, "video_0.forward.gif"))));
    }

    private static async Task<JobDto> SucceededJobAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
        var accepted = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        var job = await JobPolls.WaitForEndAsync(client, accepted.Id, ct);
        Assert.True(job.Status == JobStatus.Succeeded, job.Error);
        return job;
    }

    public void Dispose() => _factory.Dispose();
}
