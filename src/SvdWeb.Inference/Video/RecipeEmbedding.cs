using System.Buffers.Binary;
using System.Security;
using System.Text;
using SixLabors.ImageSharp.Formats.Png;

namespace SvdWeb.Inference.Video;

/// <summary>
/// Puts a <see cref="RecipeStamp"/> into the files SvdWeb writes, where the usual tools show it: MP4 and WebM get the
/// "comment" tag (ffprobe's format tags), PNG a tEXt chunk, GIF a comment extension, WebP an XMP chunk. ffmpeg writes
/// neither a GIF comment nor any WebP metadata, and re-encoding through ImageSharp would change the pixels, so those two
/// are added to ffmpeg's file as one more block of the container: the frames stay byte for byte what ffmpeg made.
/// </summary>
internal static class RecipeEmbedding
{
    /// <summary>The PNG text keyword (tEXt), and the XMP element name, the recipe is stored under.</summary>
    public const string Keyword = "svdweb-recipe";

    /// <summary>The XMP namespace of the recipe element; a URN, since it names the schema and is nowhere to fetch.</summary>
    public const string XmpNamespace = "urn:svdweb:recipe:1";

    /// <summary>ffmpeg's output option, quoted for FFMpegCore's single argument string (which .NET splits by the usual rules).</summary>
    public static string FfmpegMetadata(RecipeStamp stamp) => "-metadata " + QuoteArgument("comment=" + stamp.ToJson());

    public static PngTextData PngText(RecipeStamp stamp) => new(Keyword, stamp.ToJson(), string.Empty, string.Empty);

    /// <summary>The GIF with a comment extension holding the stamp before its trailer, where every decoder still reads it.</summary>
    public static byte[] AddGifComment(ReadOnlySpan<byte> gif, RecipeStamp stamp)
    {
        if (gif.Length < 14 || !gif[..3].SequenceEqual("GIF"u8) || gif[^1] != 0x3B)
            throw new InvalidDataException("ffmpeg's GIF does not end with a trailer; the recipe cannot be added to it.");
        var text = Encoding.ASCII.GetBytes(stamp.ToJson());
        using var output = new MemoryStream(gif.Length + text.Length + (text.Length / 255) + 8);
        output.Write(gif[..^1]);
        output.Write([0x21, 0xFE]);
        // Data sub-blocks of at most 255 bytes, each led by its length, ended by an empty one.
        for (var offset = 0; offset < text.Length; offset += 255)
        {
            var length = Math.Min(255, text.Length - offset);
            output.WriteByte((byte)length);
            output.Write(text, offset, length);
        }
        output.Write([0x00, 0x3B]);
        return output.ToArray();
    }

    /// <summary>
    /// The WebP with an XMP chunk holding the stamp. The extended header (VP8X) that announces metadata is added when
    /// ffmpeg wrote a simple file (a clip whose frames are all alike comes out as one still image).
    /// </summary>
    public static byte[] AddWebpXmp(ReadOnlySpan<byte> webp, RecipeStamp stamp)
    {
        if (webp.Length < 20 || !webp[..4].SequenceEqual("RIFF"u8) || !webp[8..12].SequenceEqual("WEBP"u8))
            throw new InvalidDataException("ffmpeg's WebP is not a RIFF WEBP file; the recipe cannot be added to it.");
        var xmp = Encoding.UTF8.GetBytes(XmpPacket(stamp.ToJson()));
        using var output = new MemoryStream(webp.Length + xmp.Length + 40);
        output.Write(webp[..12]);
        var chunks = webp[12..];
        if (chunks[..4].SequenceEqual("VP8X"u8))
        {
            var header = chunks[..18].ToArray();
            header[8] |= 0x04; // XMP present
            output.Write(header);
            output.Write(chunks[18..]);
        }
        else
        {
            var (width, height, alpha) = SimpleCanvas(chunks);
            Span<byte> header = stackalloc byte[18];
            header.Clear();
            "VP8X"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 10);
            header[8] = (byte)(0x04 | (alpha ? 0x10 : 0));
            WriteUInt24(header[12..], width - 1);
            WriteUInt24(header[15..], height - 1);
            output.Write(header);
            output.Write(chunks);
        }
        Span<byte> chunkHeader = stackalloc byte[8];
        "XMP "u8.CopyTo(chunkHeader);
        BinaryPrimitives.WriteUInt32LittleEndian(chunkHeader[4..], (uint)xmp.Length);
        output.Write(chunkHeader);
        output.Write(xmp);
        if (xmp.Length % 2 == 1) output.WriteByte(0);
        var bytes = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>The canvas of a simple (VP8 or VP8L) WebP, read from its bitstream header.</summary>
    private static (int Width, int Height, bool Alpha) SimpleCanvas(ReadOnlySpan<byte> chunks)
    {
        var data = chunks[8..];
        if (chunks[..4].SequenceEqual("VP8 "u8) && data.Length >= 10)
            return (BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF, false);
        if (chunks[..4].SequenceEqual("VP8L"u8) && data.Length >= 5 && data[0] == 0x2F)
        {
            // 14 bits width − 1, 14 bits height − 1, then the alpha-is-used bit.
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1, ((bits >> 28) & 1) == 1);
        }
        throw new InvalidDataException("ffmpeg's WebP starts with neither VP8X, VP8 nor VP8L; the recipe cannot be added to it.");
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }

    private static string XmpPacket(string json) =>
        "<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
        + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        + $"<rdf:Description rdf:about=\"\" xmlns:svdweb=\"{XmpNamespace}\"><svdweb:{Keyword}>{SecurityElement.Escape(json)}</svdweb:{Keyword}></rdf:Description>"
        + "</rdf:RDF></x:xmpmeta><?xpacket end=\"r\"?>";

    /// <summary>One argument as .NET's command-line splitting reads it back: quoted, with quotes and the backslashes
    /// before them escaped.</summary>
    internal static string QuoteArgument(string value)
    {
        var quoted = new StringBuilder(value.Length + 8).Append('"');
        var backslashes = 0;
        foreach (var c in value)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            quoted.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes).Append(c);
            backslashes = 0;
        }
        return quoted.Append('\\', backslashes * 2).Append('"').ToString();
    }
}
