using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference.Tests.Imaging;

/// <summary>
/// Files whose metadata costs far more than their pixels: refused by <see cref="ImageLoader"/> before the decoder
/// inflates them, fast and without the memory they ask for; ordinary metadata still loads.
/// </summary>
public sealed class DecompressionBombTests
{
    private const int Inflated = 200 * 1024 * 1024;

    [Theory]
    [InlineData("zTXt")]
    [InlineData("iTXt")]
    [InlineData("iCCP")]
    public void Load_PngChunkInflatingTo200MB_RefusedFastWithoutTheMemory(string type)
    {
        var bomb = PngWith(CompressedChunk(type, Zeros(Inflated)));
        Assert.True(bomb.Length < 300 * 1024, $"the bomb is {bomb.Length} bytes");

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(bomb), ImageLimits.Default, "bomb.png"));
        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal("image", refused.Field);
        Assert.Contains("MB of metadata", refused.Message, StringComparison.Ordinal);
        Assert.Contains(type, refused.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refusing took {clock.Elapsed}");
        Assert.True(allocated < 10 * 1024 * 1024, $"refusing allocated {allocated / 1048576.0:F1} MB");
    }

    [Fact]
    public void Load_ManySmallTextChunks_CountedTogether()
    {
        var chunks = Enumerable.Range(0, 200_000).Select(i => Chunk("tEXt", Encoding.Latin1.GetBytes($"k\0{i}"))).ToArray();

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(PngWith(chunks)), ImageLimits.Default, "many.png"));

        Assert.Contains("MB of metadata", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ChunkClaimingMoreThanTheFile_RefusedAsDamaged()
    {
        var png = PngWith(Chunk("tEXt", Encoding.Latin1.GetBytes("Comment\0hello")));
        // The text chunk's length field, right after the signature and the 25-byte IHDR chunk.
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(8 + 25), 0x7FFF_0000);

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(png), ImageLimits.Default, "claim.png"));

        Assert.Contains("damaged or truncated", refused.Message, StringComparison.Ordinal);
        Assert.Contains("tEXt chunk claims", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PngWithOrdinaryCompressedText_LoadsTheSamePixels()
    {
        var plain = PngWith();
        var annotated = PngWith(CompressedChunk("zTXt", Encoding.Latin1.GetBytes(new string('a', 100_000))), Chunk("tEXt", Encoding.Latin1.GetBytes("Software\0test")));

        var expected = ImageLoader.Load(new MemoryStream(plain), ImageLimits.Default, "plain.png");
        var image = ImageLoader.Load(new MemoryStream(annotated), ImageLimits.Default, "annotated.png");

        Assert.Equal(expected.Pixels, image.Pixels);
    }

    [Fact]
    public void Load_JpegWithMoreThanTheMetadataLimitInSegments_Refused()
    {
        using var image = new Image<Rgb24>(8, 8, new Rgb24(1, 2, 3));
        using var buffer = new MemoryStream();
        image.SaveAsJpeg(buffer);
        var jpeg = buffer.ToArray();
        // 80 comment segments of 64 KB each right after SOI: 5 MB, all kept by the decoder.
        var segment = new byte[4 + 65533];
        segment[0] = 0xFF;
        segment[1] = 0xFE;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), 65535);
        var bomb = jpeg[..2].Concat(Enumerable.Repeat(segment, 80).SelectMany(s => s)).Concat(jpeg[2..]).ToArray();

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(bomb), ImageLimits.Default, "comments.jpg"));

        Assert.Contains("MB of metadata", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AnimatedWebpWhoseFramesExceedThePixelLimit_Refused()
    {
        // VP8X (animation flag) with a 4000×4000 canvas, then three frames: 48 megapixels together, over the 40 allowed.
        var vp8x = new byte[10];
        vp8x[0] = 0x02;
        WriteUInt24(vp8x.AsSpan(4), 3999);
        WriteUInt24(vp8x.AsSpan(7), 3999);
        var chunks = new List<byte[]> { RiffChunk("VP8X", vp8x), RiffChunk("ANIM", new byte[6]) };
        for (var i = 0; i < 3; i++) chunks.Add(RiffChunk("ANMF", new byte[16]));
        var body = "WEBP"u8.ToArray().Concat(chunks.SelectMany(c => c)).ToArray();
        var webp = "RIFF"u8.ToArray().Concat(BitConverter.GetBytes(body.Length)).Concat(body).ToArray();

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(webp), ImageLimits.Default, "frames.webp"));

        Assert.Contains("animated WebP", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A valid 16×8 RGB PNG with the given chunks between IHDR and IDAT.</summary>
    internal static byte[] PngWith(params byte[][] chunks)
    {
        using var image = new Image<Rgb24>(16, 8, new Rgb24(30, 120, 200));
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        var png = buffer.ToArray();
        const int afterIhdr = 8 + 25;
        return [.. png[..afterIhdr], .. chunks.SelectMany(c => c), .. png[afterIhdr..]];
    }

    internal static byte[] CompressedChunk(string type, byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(content);
        var prefix = type switch
        {
            "iTXt" => "Comment\0\u0001\0\0\0",   // keyword, compressed, method 0, no language, no translation
            "iCCP" => "icc\0\0",
            _ => "Comment\0\0",
        };
        return Chunk(type, [.. Encoding.Latin1.GetBytes(prefix), .. compressed.ToArray()]);
    }

    internal static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    internal static byte[] Zeros(int length) => new byte[length];

    private static byte[] RiffChunk(string type, byte[] data) =>
        [.. Encoding.ASCII.GetBytes(type), .. BitConverter.GetBytes(data.Length), .. data, .. (data.Length % 2 == 1 ? new byte[1] : [])];

    private static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)(value >> 16);
    }

    /// <summary>PNG's CRC-32 (ISO 3309, reflected 0xEDB88320), so the decoder accepts the chunks.</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320u : crc >> 1;
        }
        return ~crc;
    }
}
