using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Storage;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// GET /api/jobs/{id}/video?format=&amp;loop=: every format made by the real ffmpeg from one tiny job's stored PNG
/// frames, checked with the real ffprobe (codec, frames counted by decoding) and, for what ffprobe does not report
/// (WebP's frames, GIF and WebP loop counts), with the files' own chunks.
/// </summary>
public sealed class VideoDownloadTests : IDisposable
{
    private const int Frames = 4;
    private readonly SvdWebFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Client, Guid Id)> SucceededJobAsync(CancellationToken ct)
    {
        var client = _factory.CreateClient();
        var response = await client.PostAsync("/api/jobs", JobsApiTests.Form(Fixtures.Image("logo_128x64.png"), JobsApiTests.SmallRecipe), ct);
        var accepted = await response.Content.ReadFromJsonAsync<JobDto>(JobsApiTests.Json, ct);
        var job = await JobsApiTests.WaitForEndAsync(client, accepted!.Id, ct);
        Assert.True(job.Status == GenerationStatus.Succeeded, job.Error);
        return (client, job.Id);
    }

    [Fact]
    public async Task Video_EveryFormatAndLoop_MadeFromTheFramesWithTheRightCodecFramesAndLoop()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, id) = await SucceededJobAsync(ct);
        var original = await client.GetByteArrayAsync($"/api/jobs/{id}/video", ct);
        Assert.Equal(original, await client.GetByteArrayAsync($"/api/jobs/{id}/video?index=0&format=mp4&loop=forward", ct));

        foreach (var (format, codec, contentType) in new[] { ("mp4", "h264", "video/mp4"), ("webm", "vp9", "video/webm"), ("gif", "gif", "image/gif"), ("webp", "webp", "image/webp") })
        {
            foreach (var (loop, frames) in new[] { ("forward", Frames), ("pingpong", 2 * Frames - 2) })
            {
                if (format == "mp4" && loop == "forward") continue;
                var response = await client.GetAsync($"/api/jobs/{id}/video?index=0&format={format}&loop={loop}", ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{format}/{loop}: {response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
                Assert.Equal($"svdweb-{id:N}-0{(loop == "pingpong" ? "-pingpong" : "")}.{format}", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
                var path = Path.Combine(_factory.DataFolder, $"downloaded-{loop}.{format}");
                await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync(ct), ct);
                Assert.Equal(codec, await CodecAsync(path, ct));
                switch (format)
                {
                    case "webp":
                        var (webpFrames, webpLoops) = WebpAnimation(path);
                        Assert.Equal(frames, webpFrames);
                        Assert.Equal(0, webpLoops);
                        break;
                    case "gif":
                        Assert.Equal(frames, (await FfprobeInfo.ReadAsync(path, ct)).Frames);
                        Assert.Equal(0, GifLoops(path));
                        break;
                    default:
                        var info = await FfprobeInfo.ReadAsync(path, ct);
                        Assert.Equal(new FfprobeInfo(codec, "yuv420p", 128, 64, frames, "7/1"), info);
                        break;
                }
            }
        }

        // Cached beside the frames: asking again makes nothing new, and deleting the item removes them all.
        var downloads = _factory.Services.GetRequiredService<VideoDownloads>();
        var made = downloads.EncodesStarted;
        Assert.Equal(7, made);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/jobs/{id}/video?format=webm&loop=pingpong", ct)).StatusCode);
        Assert.Equal(made, downloads.EncodesStarted);
        var folder = Path.Combine(_factory.DataFolder, "media", MediaStore.FolderName(id));
        Assert.True(File.Exists(Path.Combine(folder, "video_0.pingpong.webm")));
        Assert.Empty(Directory.GetFiles(folder, ".*"));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/jobs/{id}", ct)).StatusCode);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Video_ConcurrentRequests_OneEncodeAndAllGetTheSameFile()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, id) = await SucceededJobAsync(ct);
        var downloads = _factory.Services.GetRequiredService<VideoDownloads>();
        var before = downloads.EncodesStarted;

        var bodies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.GetByteArrayAsync($"/api/jobs/{id}/video?format=gif&loop=pingpong", ct)));

        Assert.Equal(before + 1, downloads.EncodesStarted);
        Assert.All(bodies, body => Assert.Equal(bodies[0], body));
        Assert.Equal("GIF89a"u8.ToArray(), bodies[0][..6]);
    }

    [Fact]
    public async Task Video_FailedEncode_LeavesNoFileAndAnswersProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, id) = await SucceededJobAsync(ct);
        var folder = Path.Combine(_factory.DataFolder, "media", MediaStore.FolderName(id));
        // Frames ffmpeg cannot decode: the encode fails part way.
        var zip = Path.Combine(folder, MediaStore.FramesZipFile(0));
        File.Delete(zip);
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var entry = await archive.CreateEntry("frame_0000.png").OpenAsync(ct);
            await entry.WriteAsync("\x89PNG not really"u8.ToArray(), ct);
        }

        var response = await client.GetAsync($"/api/jobs/{id}/video?format=webm", ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(ct);
        Assert.Contains("ffmpeg failed to make video_0.forward.webm", problem!.Detail, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "video_0.forward.webm")));
        Assert.Empty(Directory.GetFiles(folder, ".*"));
    }

    [Theory]
    [InlineData("format=avi", "format", "format must be one of mp4, webm, gif, webp, but is 'avi'.")]
    [InlineData("loop=reverse", "loop", "loop must be one of forward, pingpong, but is 'reverse'.")]
    public async Task Video_BadFormatOrLoop_ProblemNamesTheAllowedValues(string query, string field, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await client.GetAsync($"/api/jobs/{Guid.NewGuid()}/video?{query}", ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal(message, problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public void FrameOrder_PingPong_IsForwardThenBackWithoutRepeatingTheEnds()
    {
        Assert.Equal([0, 1, 2, 3, 2, 1], VideoFormats.FrameOrder(4, VideoLoop.PingPong));
        Assert.Equal([0, 1], VideoFormats.FrameOrder(2, VideoLoop.PingPong));
        Assert.Equal([0], VideoFormats.FrameOrder(1, VideoLoop.PingPong));
        Assert.Equal([0, 1, 2], VideoFormats.FrameOrder(3, VideoLoop.Forward));
    }

    private static async Task<string> CodecAsync(string path, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-v", "quiet", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "json", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("streams")[0].GetProperty("codec_name").GetString()!;
    }

    /// <summary>An animated WebP's frames (ANMF chunks) and loop count (ANIM chunk, 0 = for ever).</summary>
    private static (int Frames, int Loops) WebpAnimation(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("RIFF"u8.ToArray(), bytes[..4]);
        Assert.Equal("WEBP"u8.ToArray(), bytes[8..12]);
        int frames = 0, loops = -1;
        for (var at = 12; at + 8 <= bytes.Length;)
        {
            var tag = System.Text.Encoding.ASCII.GetString(bytes, at, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4));
            if (tag == "ANMF") frames++;
            if (tag == "ANIM") loops = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 8 + 4));
            at += 8 + size + (size & 1);
        }
        return (frames, loops);
    }

    /// <summary>A GIF's NETSCAPE2.0 loop count (0 = for ever); -1 when it has none and plays once.</summary>
    private static int GifLoops(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf("NETSCAPE2.0"u8);
        return at < 0 ? -1 : BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 11 + 2));
    }
}
