using System.Buffers.Binary;
using SvdWeb.Inference.Video;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Video;

/// <summary>The download formats with the real ffmpeg, checked by ffprobe and, for animated WebP (which ffmpeg 5.1 cannot
/// decode), by its RIFF chunks.</summary>
public sealed class ShareEncoderTests : IDisposable
{
    private const int Width = 64, Height = 32, FrameCount = 6;
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-share-").FullName;

    private static ReadOnlyMemory<byte>[] Frames() => [.. Enumerable.Range(0, FrameCount).Select(f =>
    {
        var pixels = new byte[Width * Height * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i / 3 % Width * 3) + (f * 30));
        return (ReadOnlyMemory<byte>)pixels;
    })];

    [Theory]
    [InlineData(ShareFormat.Mp4, LoopMode.Forward, "h264", FrameCount)]
    [InlineData(ShareFormat.Mp4, LoopMode.PingPong, "h264", (2 * FrameCount) - 2)]
    [InlineData(ShareFormat.WebM, LoopMode.Forward, "vp9", FrameCount)]
    [InlineData(ShareFormat.WebM, LoopMode.PingPong, "vp9", (2 * FrameCount) - 2)]
    [InlineData(ShareFormat.Gif, LoopMode.Forward, "gif", FrameCount)]
    [InlineData(ShareFormat.Gif, LoopMode.PingPong, "gif", (2 * FrameCount) - 2)]
    public async Task WriteAsync_VideoFormats_CodecSizeAndFrameCount(ShareFormat format, LoopMode loop, string codec, int frames)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "clip." + ShareEncoder.Extension(format));

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 7, format, loop, ct);

        var info = await FfprobeInfo.ReadAsync(path, ct);
        Assert.Equal((codec, Width, Height, frames), (info.Codec, info.Width, info.Height, info.Frames));
        Assert.Equal(["clip." + ShareEncoder.Extension(format)], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(ShareFormat.Mp4, LoopMode.Forward, 2, "14/1")]
    [InlineData(ShareFormat.Mp4, LoopMode.Forward, 4, "28/1")]
    [InlineData(ShareFormat.WebM, LoopMode.PingPong, 2, "14/1")]
    [InlineData(ShareFormat.Gif, LoopMode.Forward, 2, null)]
    public async Task WriteAsync_Interpolated_FactorTimesTheFramesAtFactorTimesTheRate(ShareFormat format, LoopMode loop, int factor, string? rate)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "smooth." + ShareEncoder.Extension(format));

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 7, format, loop, ct, interpolation: factor);

        var info = await FfprobeInfo.ReadAsync(path, ct);
        var played = ShareEncoder.FrameOrder(FrameCount, loop).Count;
        Assert.Equal(ShareEncoder.InterpolatedFrames(played, factor), info.Frames);
        // GIF stores delays in hundredths of a second, so its rate is whatever 100 / delay rounds to.
        if (rate is not null) Assert.Equal(rate, info.FrameRate);
    }

    [Fact]
    public async Task WriteAsync_Interpolated_InBetweenFramesAreNewPictures()
    {
        var ct = TestContext.Current.CancellationToken;
        var plain = Path.Combine(_folder, "plain.mp4");
        var smooth = Path.Combine(_folder, "smooth.mp4");
        await ShareEncoder.WriteAsync(plain, Frames(), Width, Height, 7, ShareFormat.Mp4, LoopMode.Forward, ct, crf: 0);

        await ShareEncoder.WriteAsync(smooth, Frames(), Width, Height, 7, ShareFormat.Mp4, LoopMode.Forward, ct, crf: 0, interpolation: 2);

        // Frame 1 of the smooth clip lies between frames 0 and 1 of the plain one: not a copy of either.
        var between = await DecodeFrameAsync(smooth, 1, ct);
        var before = await DecodeFrameAsync(plain, 0, ct);
        var after = await DecodeFrameAsync(plain, 1, ct);
        Assert.NotEqual(before, between);
        Assert.NotEqual(after, between);
    }

    private static async Task<byte[]> DecodeFrameAsync(string path, int frame, CancellationToken ct)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-v", "error", "-i", path, "-vf", $"select=eq(n\\,{frame})", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var output = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.BaseStream.CopyToAsync(output, ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal(Width * Height * 3, output.Length);
        return output.ToArray();
    }

    [Fact]
    public async Task WriteAsync_Gif_LoopsForever()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "clip.gif");

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 7, ShareFormat.Gif, LoopMode.Forward, ct);

        // The NETSCAPE2.0 application extension: sub-block 1, loop count 0 (forever).
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf("NETSCAPE2.0"u8);
        Assert.True(at > 0, "no looping extension");
        Assert.Equal([3, 1, 0, 0], bytes[(at + 11)..(at + 15)]);
    }

    [Theory]
    [InlineData(LoopMode.Forward, FrameCount)]
    [InlineData(LoopMode.PingPong, (2 * FrameCount) - 2)]
    public async Task WriteAsync_WebP_AnimatedWithEveryFrameLoopingForever(LoopMode loop, int frames)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "clip.webp");

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 7, ShareFormat.WebP, loop, ct);

        var chunks = RiffChunks(File.ReadAllBytes(path));
        Assert.Equal(frames, chunks.Count(c => c.Type == "ANMF"));
        var anim = Assert.Single(chunks, c => c.Type == "ANIM");
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(anim.Data.AsSpan(4)));   // loop count 0: forever
        var canvas = Assert.Single(chunks, c => c.Type == "VP8X").Data;
        Assert.Equal((Width, Height), (1 + canvas[4] + (canvas[5] << 8) + (canvas[6] << 16), 1 + canvas[7] + (canvas[8] << 8) + (canvas[9] << 16)));
    }

    [Theory]
    [InlineData(1, LoopMode.PingPong, new[] { 0 })]
    [InlineData(2, LoopMode.PingPong, new[] { 0, 1 })]
    [InlineData(4, LoopMode.PingPong, new[] { 0, 1, 2, 3, 2, 1 })]
    [InlineData(4, LoopMode.Forward, new[] { 0, 1, 2, 3 })]
    public void FrameOrder_PingPongPlaysBackWithoutRepeatingTheEnds(int frames, LoopMode loop, int[] expected) =>
        Assert.Equal(expected, ShareEncoder.FrameOrder(frames, loop));

    [Fact]
    public async Task WriteAsync_Cancelled_LeavesNoFile()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var path = Path.Combine(_folder, "clip.webm");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ShareEncoder.WriteAsync(path, Frames(), Width, Height, 7, ShareFormat.WebM, LoopMode.Forward, cancelled.Token));

        Assert.Empty(Directory.GetFiles(_folder));
    }

    private static List<(string Type, byte[] Data)> RiffChunks(byte[] file)
    {
        Assert.True(file.AsSpan(0, 4).SequenceEqual("RIFF"u8) && file.AsSpan(8, 4).SequenceEqual("WEBP"u8), "not a WebP file");
        var chunks = new List<(string, byte[])>();
        var position = 12;
        while (position + 8 <= file.Length)
        {
            var type = System.Text.Encoding.ASCII.GetString(file, position, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 4));
            chunks.Add((type, file[(position + 8)..(position + 8 + size)]));
            position += 8 + size + (size & 1);
        }
        return chunks;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
