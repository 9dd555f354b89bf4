using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace SvdWeb.Tests.Faults;

/// <summary>
/// The issue's bomb (a 16×8 PNG whose zTXt chunk inflates to 200 MB, about 200 KB on the wire) posted to the real
/// app as a process: each is refused within a second, and the app's resident memory barely grows, one at a time or
/// three at once.
/// </summary>
public sealed class UploadBombTests : IDisposable
{
    private const long MaxGrowthPerBomb = 50L * 1024 * 1024;

    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-bombs-").FullName;

    [Fact]
    public async Task Submit_TextChunkBomb_RefusedWithinASecondWithoutTheMemory()
    {
        var ct = TestContext.Current.CancellationToken;
        var bomb = Bomb();
        using var server = await ServerProcess.StartAsync(_data, ct);
        using var client = new HttpClient { BaseAddress = server.Address };
        // The first request JITs the path; measure from the second.
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, bomb, ct)).Status);
        var before = server.ResidentBytes;

        var one = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var (status, elapsed, body) = await PostAsync(client, bomb, ct);
            Assert.True(status == HttpStatusCode.BadRequest, body);
            Assert.Contains("MB of metadata", body, StringComparison.Ordinal);
            one.Add(elapsed);
        }
        var afterSequential = server.ResidentBytes;
        var together = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync(client, bomb, ct)));
        var afterConcurrent = server.ResidentBytes;

        var report = $"bomb {bomb.Length / 1024} KB; refused in {string.Join(", ", one.Select(t => $"{t.TotalMilliseconds:F0} ms"))} one at a time, "
            + $"{string.Join(", ", together.Select(t => $"{t.Elapsed.TotalMilliseconds:F0} ms"))} three at once; RSS {before / 1048576.0:F0} MB, "
            + $"+{(afterSequential - before) / 1048576.0:F1} MB after 3 sequential, +{(afterConcurrent - before) / 1048576.0:F1} MB after 3 more at once";
        TestContext.Current.SendDiagnosticMessage(report);
        Assert.All(together, t => Assert.Equal(HttpStatusCode.BadRequest, t.Status));
        Assert.All(one, t => Assert.True(t < TimeSpan.FromSeconds(1), report));
        // Three at once share the machine's cores (two on CI) with the rest of the test run.
        Assert.All(together, t => Assert.True(t.Elapsed < TimeSpan.FromSeconds(3), report));
        Assert.True(afterConcurrent - before < 6 * MaxGrowthPerBomb, report);
    }

    private static async Task<(HttpStatusCode Status, TimeSpan Elapsed, string Body)> PostAsync(HttpClient client, byte[] bomb, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(bomb);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "bomb.png");
        var clock = Stopwatch.StartNew();
        var response = await client.PostAsync("/api/jobs", form, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        return (response.StatusCode, clock.Elapsed, body);
    }

    /// <summary>A valid 16×8 PNG with a zTXt chunk of 200 MB of zeros, compressed, after its IHDR.</summary>
    private static byte[] Bomb()
    {
        using var image = new Image<Rgb24>(16, 8);
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        var png = buffer.ToArray();
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 200; i++) zlib.Write(zeros);
        }
        byte[] data = [.. Encoding.Latin1.GetBytes("Comment\0\0"), .. compressed.ToArray()];
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes("zTXt", chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        // The CRC is left zero: the file is refused before any decoder would check it.
        const int afterIhdr = 8 + 25;
        return [.. png[..afterIhdr], .. chunk, .. png[afterIhdr..]];
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
