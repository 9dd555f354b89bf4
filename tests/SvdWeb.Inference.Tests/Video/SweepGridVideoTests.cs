using System.Diagnostics;
using SvdWeb.Inference.Video;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Video;

/// <summary>The side-by-side MP4 of a sweep with the real ffmpeg: cells tiled where they belong, labels burnt in.</summary>
public sealed class SweepGridVideoTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-grid-").FullName;

    [Fact]
    public async Task Write_TwoByTwo_TilesTheCellsFrameByFrameWithALabelInEachCorner()
    {
        var ct = TestContext.Current.CancellationToken;
        const int w = 96, h = 64, frames = 3;
        (byte R, byte G, byte B)[] colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30)];
        var cells = Enumerable.Range(0, 4).Select(i => new SweepGridVideo.CellFrames(i / 2, i % 2, $"motion {i}",
            Enumerable.Range(0, frames).Select(_ => Solid(w, h, colours[i])).ToArray(), w, h)).ToArray();
        var path = Path.Combine(_folder, "grid.mp4");

        await SweepGridVideo.WriteAsync(path, cells, columns: 2, rows: 2, fps: 7, ct);

        var info = await FfprobeInfo.ReadAsync(path, ct);
        Assert.Equal(("h264", 2 * w, 2 * h, frames), (info.Codec, info.Width, info.Height, info.Frames));
        var first = await DecodeFirstFrameAsync(path, 2 * w, 2 * h, ct);
        for (var i = 0; i < 4; i++)
        {
            // Far from the label: the cell's own colour, in its own place.
            var (x, y) = ((i % 2) * w + w - 8, (i / 2) * h + h - 8);
            AssertNear(colours[i], Pixel(first, 2 * w, x, y));
            // The label's box (black at 60 %) darkens the corner to well under half the cell's colour.
            var corner = Pixel(first, 2 * w, (i % 2) * w + 2, (i / 2) * h + 2);
            Assert.True(corner.R + corner.G + corner.B < (colours[i].R + colours[i].G + colours[i].B) / 2, $"cell {i}'s corner is {corner}, not the label's dark box");
        }
    }

    [Fact]
    public async Task Write_APlaceTakenTwice_IsRefused()
    {
        var frame = new[] { Solid(16, 16, (0, 0, 0)) };
        var cells = new[] { new SweepGridVideo.CellFrames(0, 0, "a", frame, 16, 16), new SweepGridVideo.CellFrames(0, 0, "b", frame, 16, 16) };

        await Assert.ThrowsAsync<ArgumentException>(() => SweepGridVideo.WriteAsync(Path.Combine(_folder, "x.mp4"), cells, 2, 1, 7, TestContext.Current.CancellationToken));
    }

    private static ReadOnlyMemory<byte> Solid(int w, int h, (byte R, byte G, byte B) c)
    {
        var pixels = new byte[w * h * 3];
        for (var i = 0; i < pixels.Length; i += 3) (pixels[i], pixels[i + 1], pixels[i + 2]) = c;
        return pixels;
    }

    private static (int R, int G, int B) Pixel(byte[] rgb, int width, int x, int y) =>
        (rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]);

    private static void AssertNear((byte R, byte G, byte B) expected, (int R, int G, int B) actual) =>
        Assert.True(Math.Abs(expected.R - actual.R) < 24 && Math.Abs(expected.G - actual.G) < 24 && Math.Abs(expected.B - actual.B) < 24,
            $"expected about {expected}, got {actual}");

    private static async Task<byte[]> DecodeFirstFrameAsync(string path, int width, int height, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var buffer = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.BaseStream.CopyToAsync(buffer, ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal(width * height * 3, buffer.Length);
        return buffer.ToArray();
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
