using System.Buffers.Binary;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference.Tests.Imaging;

/// <summary>
/// A TIFF tag is stored, not compressed, so it cannot cost more than the file, except by claiming more values than the
/// file holds; the decoder must then not allocate the claim. MetadataGuard leaves TIFF to the decoder on the strength
/// of this: if an ImageSharp upgrade starts allocating claims, these fail.
/// </summary>
public sealed class TiffTagClaimTests
{
    [Theory]
    [InlineData(700, 1)]    // XMP, BYTE
    [InlineData(34675, 7)]  // ICC profile, UNDEFINED
    [InlineData(270, 2)]    // ImageDescription, ASCII
    public void Load_TagClaimingTwoBillionValues_LoadsWithoutAllocatingTheClaim(int tag, int type)
    {
        var tiff = OnePixelTiff((tag, type, 0x7FFF_FFFFu, 8u));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var image = ImageLoader.Load(new MemoryStream(tiff), ImageLimits.Default, "claim.tiff");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((1, 1), (image.Width, image.Height));
        Assert.True(allocated < 10 * 1024 * 1024, $"loading allocated {allocated / 1048576.0:F1} MB");
    }

    [Theory]
    [InlineData(33723, 4)]  // IPTC, LONG: 8 GB claimed, past a 32-bit length
    [InlineData(34665, 4)]  // EXIF IFD pointer, LONG
    public void Load_TagClaimOverflowingTheDecoder_RefusedAsDamaged(int tag, int type)
    {
        var tiff = OnePixelTiff((tag, type, 0x7FFF_FFFFu, 8u));

        // ImageSharp throws ArgumentOutOfRangeException from its EXIF reader while identifying: a user's message, not a crash.
        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(tiff), ImageLimits.Default, "claim.tiff"));

        Assert.Equal("image", refused.Field);
        Assert.StartsWith("'claim.tiff' could not be decoded: the file is damaged or truncated", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A little-endian, uncompressed, 8-bit grey 1×1 TIFF with the extra IFD entries (tag, type, count, value/offset).</summary>
    private static byte[] OnePixelTiff(params (int Tag, int Type, uint Count, uint Value)[] extra)
    {
        // ImageWidth, ImageLength, BitsPerSample, Compression (none), Photometric (black is zero), StripOffsets (set
        // below), SamplesPerPixel, RowsPerStrip, StripByteCounts.
        var entries = new List<(int Tag, int Type, uint Count, uint Value)>
        {
            (256, 3, 1, 1), (257, 3, 1, 1), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, 0), (277, 3, 1, 1), (278, 3, 1, 1), (279, 4, 1, 1),
        };
        entries.AddRange(extra);
        entries.Sort((a, b) => a.Tag.CompareTo(b.Tag));   // TIFF requires ascending tags
        var pixelOffset = (uint)(8 + 2 + 12 * entries.Count + 4);
        var bytes = new byte[pixelOffset + 1];
        "II*\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var at = 10 + 12 * i;
            var (tag, type, count, value) = entries[i];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), (ushort)tag);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 2), (ushort)type);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 4), count);
            if (tag == 273) value = pixelOffset;
            // A single SHORT sits in the first two bytes of the value field; everything else here is a LONG or an offset.
            if (type == 3 && count == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 8), (ushort)value);
            else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 8), value);
        }
        bytes[pixelOffset] = 200;
        return bytes;
    }
}
