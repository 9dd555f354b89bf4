using System.Buffers.Binary;
using System.IO.Compression;

namespace SvdWeb.Inference.Imaging;

/// <summary>
/// Walks a file's container before any decoder sees it (ImageSharp reads every metadata block, even to identify a file)
/// and refuses what would cost far more memory or time than its pixels: metadata beyond
/// <see cref="ImageLimits.MaxMetadataBytes"/>, counted as inflated for PNG's compressed text and ICC chunks (a 200 KB
/// zTXt can inflate to 200 MB) and as stored for everything else; a chunk that claims more bytes than the file has
/// (the decoder would allocate the claim); and an animated WebP whose frames together exceed the pixel limit (only the
/// first frame is used, and no decoder version should get to spend memory on the rest). Inflation stops as soon as the budget is spent, so a bomb is refused in
/// milliseconds with a few hundred KB of buffers. JPEG segments, GIF blocks and TIFF tags are stored, not compressed,
/// so they never exceed the file; JPEG's are still counted against the budget, GIF and TIFF are left to the upload
/// limit. A JPEG is also refused for more than <see cref="ImageLimits.MaxJpegScans"/> scans, the one way a small
/// JPEG of few pixels and no metadata still costs hours of decoding.
/// </summary>
internal static class MetadataGuard
{
    // Per block, on top of its bytes: what the decoder spends to keep one (objects, strings, list entries), so a file
    // of a million empty text chunks is not free either.
    private const int BlockOverhead = 64;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Checks the file from the stream's position, which is restored.</summary>
    /// <exception cref="SvdInputException">The metadata or frames exceed the limits, or a block runs past the end.</exception>
    public static void Check(Stream stream, ImageLimits limits, string displayName)
    {
        var start = stream.Position;
        try
        {
            Span<byte> head = stackalloc byte[12];
            var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = start;
            if (read >= 8 && head[..8].SequenceEqual(PngSignature)) CheckPng(stream, start, limits, displayName);
            else if (read >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) CheckJpeg(stream, start, limits, displayName);
            else if (read >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) CheckWebp(stream, start, limits, displayName);
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static void CheckPng(Stream stream, long start, ImageLimits limits, string displayName)
    {
        var budget = new Budget(limits.MaxMetadataBytes, displayName);
        var position = start + 8;
        Span<byte> header = stackalloc byte[8];
        while (position + 12 <= stream.Length)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = System.Text.Encoding.ASCII.GetString(header[4..]);
            var data = position + 8;
            if (length > stream.Length - data - 4)
                throw Damaged(displayName, $"its {type} chunk claims {length} bytes, but only {Math.Max(0, stream.Length - data - 4)} follow");
            if (type == "IEND") return;
            // Critical chunks (an upper-case first letter: IHDR, PLTE, IDAT) are pixels, bounded by the pixel limit.
            if (!char.IsUpper(type[0]))
            {
                budget.Spend(BlockOverhead, type);
                switch (type)
                {
                    case "zTXt" or "iCCP":
                        InflateAfterKeyword(stream, data, length, budget, type);
                        break;
                    case "iTXt":
                        CountInternationalText(stream, data, length, budget);
                        break;
                    default:
                        budget.Spend(length, type);
                        break;
                }
            }
            position = data + length + 4;
        }
    }

    /// <summary>zTXt and iCCP: a keyword, a NUL, the compression method's byte, then zlib data.</summary>
    private static void InflateAfterKeyword(Stream stream, long data, long length, Budget budget, string type)
    {
        var nul = FindNul(stream, data, Math.Min(length, 80));
        if (nul < 0)
        {
            budget.Spend(length, type);
            return;
        }
        budget.Spend(nul - data, type);
        var compressed = nul + 2;
        if (compressed < data + length) Inflate(stream, compressed, data + length - compressed, budget, type);
    }

    /// <summary>iTXt: keyword NUL, compression flag, method, language tag NUL, translated keyword NUL, then the text.</summary>
    private static void CountInternationalText(Stream stream, long data, long length, Budget budget)
    {
        var end = data + length;
        var nul = FindNul(stream, data, Math.Min(length, 80));
        if (nul < 0 || nul + 3 > end)
        {
            budget.Spend(length, "iTXt");
            return;
        }
        stream.Position = nul + 1;
        var compressedFlag = stream.ReadByte();
        var language = FindNul(stream, nul + 3, end - (nul + 3));
        var translated = language < 0 ? -1 : FindNul(stream, language + 1, end - (language + 1));
        if (translated < 0)
        {
            budget.Spend(length, "iTXt");
            return;
        }
        budget.Spend(translated + 1 - data, "iTXt");
        var text = translated + 1;
        if (compressedFlag == 1) Inflate(stream, text, end - text, budget, "iTXt");
        else budget.Spend(end - text, "iTXt");
    }

    private static void Inflate(Stream stream, long offset, long length, Budget budget, string type)
    {
        using var inflater = new ZLibStream(new StreamSlice(stream, offset, length), CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = inflater.Read(buffer)) > 0) budget.Spend(read, type);
        }
        catch (InvalidDataException)
        {
            // A damaged stream inflates no further than this; the decoder will say the file is damaged if it cares.
        }
    }

    private static long FindNul(Stream stream, long from, long count)
    {
        stream.Position = from;
        for (long i = 0; i < count; i++)
        {
            var b = stream.ReadByte();
            if (b < 0) return -1;
            if (b == 0) return from + i;
        }
        return -1;
    }

    private static void CheckJpeg(Stream stream, long start, ImageLimits limits, string displayName)
    {
        var budget = new Budget(limits.MaxMetadataBytes, displayName);
        stream.Position = start + 2;
        var reader = new ByteReader(stream);
        var scans = 0;
        var marker = NextMarker(reader);
        while (marker >= 0)
        {
            if (marker == 0xD9) return;                                                   // end of image
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))                                  // markers without a length
            {
                marker = NextMarker(reader);
                continue;
            }
            var high = reader.ReadByte();
            var low = reader.ReadByte();
            if (low < 0) return;
            var size = (high << 8) | low;
            if (size < 2) return;
            // APPn (EXIF, XMP, ICC, Adobe, IPTC) and COM are metadata; tables and frame headers are the image.
            if (marker is (>= 0xE0 and <= 0xEF) or 0xFE)
            {
                budget.Spend(BlockOverhead, "APP/COM segment");
                budget.Spend(size - 2, "APP/COM segment");
            }
            if (!reader.Skip(size - 2)) return;
            if (marker != 0xDA)
            {
                marker = NextMarker(reader);
                continue;
            }
            if (++scans > limits.MaxJpegScans)
            {
                throw new SvdInputException("image",
                    $"'{displayName}' is a progressive JPEG with more than {limits.MaxJpegScans} scans: each scan decodes the whole picture again, so it "
                    + "would take minutes to hours to read (a known way to stall a server). Save it again as a baseline JPEG or as PNG, and upload that.");
            }
            marker = MarkerAfterEntropyCodedData(reader);
        }
    }

    /// <summary>The marker code at the reader, or −1 when the bytes there are not a marker (damage, the decoder's business) or the file ends.</summary>
    private static int NextMarker(ByteReader reader)
    {
        if (reader.ReadByte() != 0xFF) return -1;
        int marker;
        do marker = reader.ReadByte(); while (marker == 0xFF);
        return marker;
    }

    /// <summary>
    /// Reads past a scan's entropy-coded data and returns the marker that ends it (−1 at the end of the file): inside
    /// the data 0xFF is followed by a stuffed 0x00, by fill bytes 0xFF, or by a restart marker RSTn, none of which ends the scan.
    /// </summary>
    private static int MarkerAfterEntropyCodedData(ByteReader reader)
    {
        while (true)
        {
            var b = reader.ReadByte();
            if (b < 0) return -1;
            if (b != 0xFF) continue;
            int next;
            do next = reader.ReadByte(); while (next == 0xFF);
            if (next < 0) return -1;
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7) continue;
            return next;
        }
    }

    /// <summary>
    /// Forward reading of a seekable stream through a buffer: a JPEG's scans are walked byte by byte to find where each
    /// ends, and a stream's own ReadByte may cost a call and a copy each.
    /// </summary>
    private sealed class ByteReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _next;
        private int _end;

        public int ReadByte()
        {
            if (_next == _end)
            {
                _end = stream.Read(_buffer);
                _next = 0;
                if (_end == 0) return -1;
            }
            return _buffer[_next++];
        }

        /// <summary>Skips <paramref name="count"/> bytes; false when the file ends first.</summary>
        public bool Skip(long count)
        {
            var buffered = _end - _next;
            if (count <= buffered)
            {
                _next += (int)count;
                return true;
            }
            var target = stream.Position + (count - buffered);
            (_next, _end) = (0, 0);
            if (target > stream.Length) return false;
            stream.Position = target;
            return true;
        }
    }

    private static void CheckWebp(Stream stream, long start, ImageLimits limits, string displayName)
    {
        var budget = new Budget(limits.MaxMetadataBytes, displayName);
        var position = start + 12;
        Span<byte> header = stackalloc byte[8];
        Span<byte> canvas = stackalloc byte[10];
        long canvasPixels = 0;
        long frames = 0;
        while (position + 8 <= stream.Length)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            var type = System.Text.Encoding.ASCII.GetString(header[..4]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            var data = position + 8;
            if (size > stream.Length - data)
                throw Damaged(displayName, $"its {type.Trim()} chunk claims {size} bytes, but only {stream.Length - data} follow");
            switch (type)
            {
                case "VP8X" when size >= 10:
                    stream.ReadExactly(canvas);
                    // 24-bit little-endian width − 1 and height − 1.
                    var width = 1L + canvas[4] + (canvas[5] << 8) + (canvas[6] << 16);
                    var height = 1L + canvas[7] + (canvas[8] << 8) + (canvas[9] << 16);
                    canvasPixels = width * height;
                    break;
                case "ANMF":
                    frames++;
                    if (frames > 1 && frames * canvasPixels > limits.MaxPixels)
                    {
                        throw new SvdInputException("image",
                            $"'{displayName}' is an animated WebP with at least {frames} frames of {canvasPixels / 1e6:F1} megapixels, more than the {limits.MaxPixels / 1e6:F1}-megapixel limit together; only the first frame would be used. Save its first frame as PNG or JPEG and try again.");
                    }
                    break;
                case "ICCP" or "EXIF" or "XMP ":
                    budget.Spend(BlockOverhead, type.Trim());
                    budget.Spend(size, type.Trim());
                    break;
            }
            position = data + size + (size & 1);
        }
    }

    private static SvdInputException Damaged(string displayName, string why) =>
        new("image", $"'{displayName}' could not be decoded: the file is damaged or truncated ({why}). Export the image again as PNG or JPEG.");

    /// <summary>What is left of the metadata allowance; spending past it refuses the file.</summary>
    private sealed class Budget(long limit, string displayName)
    {
        private long _spent;

        public void Spend(long bytes, string block)
        {
            _spent += bytes;
            if (_spent <= limit) return;
            throw new SvdInputException("image",
                $"'{displayName}' carries more than {limit / 1048576.0:0.#} MB of metadata besides its pixels (at its {block} block, counted as the decoder would inflate it): SvdWeb reads at most that. Save the image again without metadata (an editor's export, or exiftool -all= FILE) and try again.");
        }
    }
}
