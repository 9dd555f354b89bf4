using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Video;

namespace SvdWeb.Inference.Tests.Video;

/// <summary>The recipe inside every file SvdWeb writes, with the real ffmpeg and ffprobe: what goes in comes back out.</summary>
public sealed class RecipeEmbeddingTests : IDisposable
{
    private const int Width = 64, Height = 32;
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-recipe-").FullName;

    // Quotes, a backslash and a non-ASCII letter: the argument quoting, the JSON escaping and the XML escaping must all hold.
    private static readonly RecipeStamp Stamp = new(
        new SvdRecipe
        {
            Model = "tiny \"svd\" \\ é <&>", Height = Height, Width = Width, NumFrames = 4, NumInferenceSteps = 3, Fps = 9, MotionBucketId = 200,
            NoiseAugStrength = 0.1f, DecodeChunkSize = 2, Seed = 4_000_000_000, Fit = FitMode.Crop, MinGuidanceScale = 1.5f, MaxGuidanceScale = 2.5f,
        },
        "3f786850e387550fdab836ed7e6dc881de23001b5f8d2a8a1f1f1bfa1c6e8a4b",
        Guid.Parse("0b9c2f64-5a43-4e0e-9f0e-6a1e8c3d7a21"));

    private static ReadOnlyMemory<byte>[] Frames(int count = 4) => [.. Enumerable.Range(0, count).Select(f =>
    {
        var pixels = new byte[Width * Height * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i / 3 % Width * 3) + (f * 40));
        return (ReadOnlyMemory<byte>)pixels;
    })];

    [Theory]
    [InlineData(ShareFormat.Mp4, LoopMode.Forward)]
    [InlineData(ShareFormat.Mp4, LoopMode.PingPong)]
    [InlineData(ShareFormat.WebM, LoopMode.Forward)]
    [InlineData(ShareFormat.Gif, LoopMode.Forward)]
    [InlineData(ShareFormat.Gif, LoopMode.PingPong)]
    [InlineData(ShareFormat.WebP, LoopMode.Forward)]
    [InlineData(ShareFormat.WebP, LoopMode.PingPong)]
    public async Task ShareEncoder_EachFormat_RecipeReadBackEqual(ShareFormat format, LoopMode loop)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, $"clip.{ShareEncoder.Extension(format)}");

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 9, format, loop, ct, recipe: Stamp);

        Assert.Equal(Stamp, await RecipeReader.ReadAsync(path, ImageLimits.Default, ct));
        Assert.Equal(Stamp, await RecipeReader.ReadAsync(await File.ReadAllBytesAsync(path, ct), "clip", ImageLimits.Default, ct));
    }

    [Fact]
    public async Task ShareEncoder_Gif_EveryFrameDecodesAsWithoutTheRecipe()
    {
        var ct = TestContext.Current.CancellationToken;
        var plain = Path.Combine(_folder, "plain.gif");
        var stamped = Path.Combine(_folder, "stamped.gif");

        await ShareEncoder.WriteAsync(plain, Frames(), Width, Height, 9, ShareFormat.Gif, LoopMode.Forward, ct);
        await ShareEncoder.WriteAsync(stamped, Frames(), Width, Height, 9, ShareFormat.Gif, LoopMode.Forward, ct, recipe: Stamp);

        using var expected = await Image.LoadAsync<Rgb24>(plain, ct);
        using var actual = await Image.LoadAsync<Rgb24>(stamped, ct);
        Assert.Equal(4, expected.Frames.Count);
        Assert.Equal(expected.Frames.Count, actual.Frames.Count);
        for (var f = 0; f < actual.Frames.Count; f++)
        {
            using var a = expected.Frames.CloneFrame(f);
            using var b = actual.Frames.CloneFrame(f);
            Assert.True(Pixels(a).AsSpan().SequenceEqual(Pixels(b)), $"frame {f} differs");
        }
    }

    [Fact]
    public async Task ShareEncoder_AnimatedWebP_FfmpegsChunksUnchangedPlusAnnouncedXmp()
    {
        var ct = TestContext.Current.CancellationToken;
        var plain = Path.Combine(_folder, "plain.webp");
        var stamped = Path.Combine(_folder, "stamped.webp");

        await ShareEncoder.WriteAsync(plain, Frames(), Width, Height, 9, ShareFormat.WebP, LoopMode.Forward, ct);
        await ShareEncoder.WriteAsync(stamped, Frames(), Width, Height, 9, ShareFormat.WebP, LoopMode.Forward, ct, recipe: Stamp);

        // Neither ffmpeg 5.1 nor ImageSharp 2.1 decodes animated WebP: the RIFF structure is what a browser reads.
        var before = Chunks(await File.ReadAllBytesAsync(plain, ct));
        var after = Chunks(await File.ReadAllBytesAsync(stamped, ct));
        Assert.Equal([.. before.Select(c => c.Type), "XMP "], after.Select(c => c.Type));
        Assert.Equal(4, after.Count(c => c.Type == "ANMF"));
        for (var i = 1; i < before.Count; i++) Assert.Equal(before[i].Data, after[i].Data);
        Assert.Equal("VP8X", after[0].Type);
        Assert.Equal(before[0].Data[0] | 0x04, after[0].Data[0]);
        Assert.Equal(before[0].Data[1..], after[0].Data[1..]);
    }

    /// <summary>The file's chunks after the RIFF header, checking the RIFF size covers exactly the file.</summary>
    private static List<(string Type, byte[] Data)> Chunks(byte[] webp)
    {
        Assert.Equal(webp.Length - 8, BitConverter.ToInt32(webp, 4));
        var chunks = new List<(string, byte[])>();
        for (var at = 12; at < webp.Length;)
        {
            var size = BitConverter.ToInt32(webp, at + 4);
            chunks.Add((System.Text.Encoding.ASCII.GetString(webp, at, 4), webp[(at + 8)..(at + 8 + size)]));
            at += 8 + size + (size % 2);
        }
        return chunks;
    }

    [Fact]
    public async Task ShareEncoder_WebPOfIdenticalFrames_GetsAnExtendedHeaderAndStillDecodes()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "still.webp");
        var frame = Frames(1)[0];

        // libwebp writes a clip whose frames are all alike as one simple still image, which has no room for metadata.
        await ShareEncoder.WriteAsync(path, [frame, frame, frame], Width, Height, 9, ShareFormat.WebP, LoopMode.Forward, ct, recipe: Stamp);

        Assert.Equal(Stamp, await RecipeReader.ReadAsync(path, ImageLimits.Default, ct));
        using var image = await Image.LoadAsync<Rgb24>(path, ct);
        Assert.Equal((Width, Height), (image.Width, image.Height));
    }

    [Fact]
    public async Task Mp4Encoder_Streamed_RecipeReadBackEqual()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "video.mp4");

        await using (var encoder = Mp4Encoder.Start(path, Width, Height, 9, ct, recipe: Stamp))
        {
            foreach (var frame in Frames()) encoder.Add(frame);
            await encoder.CompleteAsync();
        }

        Assert.Equal(Stamp, await RecipeReader.ReadAsync(path, ImageLimits.Default, ct));
    }

    [Fact]
    public async Task PngFrameWriter_FramesAndEncodedFrame_RecipeReadBackEqualAndPixelsUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var frames = Frames(2);

        await PngFrameWriter.WriteAsync(_folder, frames, Width, Height, ct, Stamp);
        var encoded = PngFrameWriter.Encode(frames[1].Span, Width, Height, Stamp);

        Assert.Equal(Stamp, await RecipeReader.ReadAsync(Path.Combine(_folder, PngFrameWriter.FrameName(1)), ImageLimits.Default, ct));
        Assert.Equal(Stamp, await RecipeReader.ReadAsync(encoded, "frame.png", ImageLimits.Default, ct));
        using var image = Image.Load<Rgb24>(encoded);
        Assert.True(Pixels(image).AsSpan().SequenceEqual(frames[1].Span));
    }

    [Theory]
    [InlineData(ShareFormat.Mp4)]
    [InlineData(ShareFormat.WebM)]
    [InlineData(ShareFormat.Gif)]
    [InlineData(ShareFormat.WebP)]
    public async Task ReadAsync_FileWrittenWithoutRecipe_Null(ShareFormat format)
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, $"plain.{ShareEncoder.Extension(format)}");

        await ShareEncoder.WriteAsync(path, Frames(), Width, Height, 9, format, LoopMode.Forward, ct);

        Assert.Null(await RecipeReader.ReadAsync(path, ImageLimits.Default, ct));
    }

    [Fact]
    public async Task ReadAsync_PlainPngAndJson_Null()
    {
        var ct = TestContext.Current.CancellationToken;
        var png = PngFrameWriter.Encode(Frames(1)[0].Span, Width, Height);

        Assert.Null(await RecipeReader.ReadAsync(png, "plain.png", ImageLimits.Default, ct));
        Assert.Null(await RecipeReader.ReadAsync("{\"seed\": 1}"u8.ToArray(), "recipe.json", ImageLimits.Default, ct));
    }

    [Fact]
    public async Task FirstFrameAsync_Mp4_IsTheFirstFrameAtItsSize()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_folder, "video.mp4");
        var frames = Frames();
        await Mp4Writer.WriteAsync(path, frames, Width, Height, 9, ct, crf: 0, recipe: Stamp);

        var png = await RecipeReader.FirstFrameAsync(await File.ReadAllBytesAsync(path, ct), ct);

        using var image = Image.Load<Rgb24>(png);
        Assert.Equal((Width, Height), (image.Width, image.Height));
        // crf 0 is lossless in YUV; the round trip through 4:2:0 and back to RGB moves a level or a few at most, and the
        // frames differ by 40 levels, so the nearest frame is the first.
        var pixels = Pixels(image);
        var distances = frames.Select(f => Enumerable.Range(0, pixels.Length).Average(i => Math.Abs(pixels[i] - f.Span[i]))).ToArray();
        Assert.Equal(0, Array.IndexOf(distances, distances.Min()));
        Assert.True(distances[0] < 8, $"mean difference {distances[0]:F1} levels");
    }

    [Theory]
    [InlineData("\0\0\0\u0018ftypisom", RecipeFileKind.Mp4)]
    [InlineData("\0\0\0\u0018ftypqt  ", RecipeFileKind.Mp4)]
    [InlineData("\0\0\0\u0018ftypheic", RecipeFileKind.Other)]
    [InlineData("\0\0\0\u0018ftypavif", RecipeFileKind.Other)]
    [InlineData("\x1A\x45\xDF\xA3\x01\0\0\0\0\0\0\x1F", RecipeFileKind.WebM)]
    [InlineData("GIF89a\x40\0\x20\0\0\0", RecipeFileKind.Gif)]
    [InlineData("RIFF\0\0\0\0WEBP", RecipeFileKind.WebP)]
    [InlineData("{\"seed\": 42}", RecipeFileKind.Other)]
    public void Detect_BySignature_HeifAndAvifPhotosAreNotVideos(string head, RecipeFileKind expected) =>
        Assert.Equal(expected, RecipeReader.Detect(System.Text.Encoding.Latin1.GetBytes(head)));

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
