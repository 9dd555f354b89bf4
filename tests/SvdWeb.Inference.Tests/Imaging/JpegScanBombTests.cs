using System.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference.Tests.Imaging;

/// <summary>
/// Progressive JPEGs whose cost is in the number of scans, not the pixels or the metadata: every scan makes the decoder
/// visit every block of the image again, and an end-of-band run codes 32,767 empty blocks in 2 bytes, so a file of a
/// few hundred KB can ask for hours of decoding (libjpeg-turbo's report "Two Issues with the JPEG Standard", LJT-01-003).
/// Such files are refused by counting the scans before the decoder starts; ordinary progressive files still load.
/// </summary>
public sealed class JpegScanBombTests
{
    [Fact]
    public void Load_ProgressiveJpegWithThousandsOfScans_RefusedFastBeforeDecoding()
    {
        var bomb = ProgressiveGray(6000, 6000, acScans: 5000);
        Assert.True(bomb.Length < 512 * 1024, $"the bomb is {bomb.Length} bytes");

        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(bomb), ImageLimits.Default, "scans.jpg"));
        clock.Stop();

        Assert.Equal("image", refused.Field);
        Assert.Contains("more than 100 scans", refused.Message, StringComparison.Ordinal);
        Assert.Contains("baseline", refused.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"refusing took {clock.Elapsed}");
    }

    [Fact]
    public void Load_ProgressiveJpegWithAnOrdinaryScanCount_Decodes()
    {
        // A DC scan and nine AC scans, as common progression scripts use: an empty (mid-grey) picture.
        var jpeg = ProgressiveGray(64, 48, acScans: 9);

        var image = ImageLoader.Load(new MemoryStream(jpeg), ImageLimits.Default, "ok.jpg");

        Assert.Equal((64, 48), (image.Width, image.Height));
        Assert.InRange(image.Pixels[((10 * image.Width) + 10) * 3], 120, 136);
    }

    [Fact]
    public void Load_ExactlyTheScanLimit_Decodes()
    {
        var jpeg = ProgressiveGray(64, 48, acScans: ImageLimits.Default.MaxJpegScans - 1);

        var image = ImageLoader.Load(new MemoryStream(jpeg), ImageLimits.Default, "limit.jpg");

        Assert.Equal(64, image.Width);
    }

    [Fact]
    public void Load_OneScanOverTheLimit_Refused()
    {
        var jpeg = ProgressiveGray(64, 48, acScans: ImageLimits.Default.MaxJpegScans);

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(jpeg), ImageLimits.Default, "over.jpg"));

        Assert.Contains("more than 100 scans", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MetadataBetweenScans_CountedAgainstTheMetadataLimit()
    {
        // APP segments may sit between scans too; a guard that stopped at the first scan would not see them.
        var comment = new byte[60_000];
        var jpeg = ProgressiveGray(64, 48, acScans: 80, segmentBetweenScans: comment);

        var refused = Assert.Throws<SvdInputException>(() => ImageLoader.Load(new MemoryStream(jpeg), ImageLimits.Default, "between.jpg"));

        Assert.Contains("MB of metadata", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EntropyDataWithStuffedBytesAndRestartMarkers_ScansCountedRight()
    {
        // 2048×2048 with a restart interval of 40,000 blocks codes runs of 32,767 blocks, whose bits hold 0xFF bytes
        // (stuffed with 0x00), and puts an RST0 marker inside every scan: neither ends a scan, so 99 scans are 99, not more.
        var jpeg = ProgressiveGray(2048, 2048, acScans: ImageLimits.Default.MaxJpegScans - 1, restartInterval: 40_000);
        Assert.True(jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0x00]) > 0, "the file has no stuffed byte");
        Assert.True(jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xD0]) > 0, "the file has no restart marker");

        var image = ImageLoader.Load(new MemoryStream(jpeg), ImageLimits.Default, "restarts.jpg");

        Assert.Equal(2048, image.Height);
    }

    /// <summary>
    /// A valid one-component progressive JPEG (SOF2) of empty blocks: a DC first scan, then <paramref name="acScans"/>
    /// AC scans over the whole band, each nothing but end-of-band runs (the spec's EOBRUN, 15 symbols EOB0…EOB14 with
    /// 4-bit codes). Repeating an AC first scan is what a crafted file does; decoders process each one.
    /// </summary>
    private static byte[] ProgressiveGray(int width, int height, int acScans, byte[]? segmentBetweenScans = null, int restartInterval = 0)
    {
        using var file = new MemoryStream();
        void Marker(byte code, ReadOnlySpan<byte> body)
        {
            file.WriteByte(0xFF);
            file.WriteByte(code);
            file.WriteByte((byte)((body.Length + 2) >> 8));
            file.WriteByte((byte)(body.Length + 2));
            file.Write(body);
        }

        file.Write([0xFF, 0xD8]);
        Marker(0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        Marker(0xC2, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        // DC table 0: one code '0' for category 0 (a zero difference). AC table 0: EOBn symbols 0x00…0xE0, 4 bits each.
        Marker(0xC4, [0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Marker(0xC4, [0x10, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. Enumerable.Range(0, 15).Select(r => (byte)(r << 4))]);
        if (restartInterval > 0) Marker(0xDD, [(byte)(restartInterval >> 8), (byte)restartInterval]);
        var blocks = ((width + 7) / 8) * ((height + 7) / 8);
        var interval = restartInterval > 0 ? restartInterval : blocks;

        // Each scan codes its blocks in restart intervals: the bits of one interval, padded, then RSTn (n = 0…7).
        void Scan(ReadOnlySpan<byte> header, Action<BitWriter, int> code)
        {
            Marker(0xDA, header);
            var restart = 0;
            for (var first = 0; first < blocks; first += interval)
            {
                if (first > 0) file.Write([0xFF, (byte)(0xD0 + (restart++ % 8))]);
                var bits = new BitWriter(file);
                code(bits, Math.Min(interval, blocks - first));
                bits.Flush();
            }
        }

        Scan([1, 1, 0x00, 0, 0, 0x00], (bits, count) =>
        {
            for (var i = 0; i < count; i++) bits.Write(0, 1);
        });
        for (var scan = 0; scan < acScans; scan++)
        {
            if (segmentBetweenScans is not null) Marker(0xFE, segmentBetweenScans);
            Scan([1, 1, 0x00, 1, 63, 0x00], (bits, count) =>
            {
                for (var left = count; left > 0;)
                {
                    var run = Math.Min(left, 32767);
                    var r = 31 - int.LeadingZeroCount(run);
                    bits.Write(r, 4);
                    bits.Write(run - (1 << r), r);
                    left -= run;
                }
            });
        }
        file.Write([0xFF, 0xD9]);
        return file.ToArray();
    }

    /// <summary>Entropy-coded bits, most significant first, with a 0x00 stuffed after every 0xFF byte.</summary>
    private sealed class BitWriter(Stream output)
    {
        private int _bits;
        private int _count;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                _bits = (_bits << 1) | ((value >> i) & 1);
                if (++_count == 8) Emit();
            }
        }

        /// <summary>Pads the last byte with 1 bits, as the spec asks.</summary>
        public void Flush()
        {
            while (_count != 0) Write(1, 1);
        }

        private void Emit()
        {
            output.WriteByte((byte)_bits);
            if (_bits == 0xFF) output.WriteByte(0x00);
            (_bits, _count) = (0, 0);
        }
    }
}
