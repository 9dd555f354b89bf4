using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using SixLabors.ImageSharp;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference.Video;

/// <summary>
/// Reads back the <see cref="RecipeStamp"/> SvdWeb wrote into a file (see <see cref="RecipeEmbedding"/>), after
/// <see cref="MetadataGuard"/> as for any upload: ImageSharp's metadata for PNG and GIF; for WebP the XMP chunk found
/// among its RIFF chunks, since ImageSharp 2.1 refuses animated WebP altogether; ffprobe's format tags for MP4 and WebM,
/// with the demuxer fixed by the file's signature so a renamed file reaches no other ffmpeg parser.
/// </summary>
public static class RecipeReader
{
    public static RecipeFileKind Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return RecipeFileKind.Png;
        if (head.Length >= 6 && (head[..6].SequenceEqual("GIF89a"u8) || head[..6].SequenceEqual("GIF87a"u8))) return RecipeFileKind.Gif;
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return RecipeFileKind.WebP;
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8) && IsVideoBrand(head[8..12])) return RecipeFileKind.Mp4;
        if (head.Length >= 4 && head[..4].SequenceEqual((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return RecipeFileKind.WebM;
        return RecipeFileKind.Other;
    }

    /// <summary>MP4 and QuickTime brands; HEIF and AVIF photos share the container but are images, not videos.</summary>
    private static bool IsVideoBrand(ReadOnlySpan<byte> brand) =>
        brand[..3].SequenceEqual("iso"u8) || brand[..3].SequenceEqual("mp4"u8) || brand.SequenceEqual("avc1"u8)
        || brand.SequenceEqual("M4V "u8) || brand.SequenceEqual("qt  "u8) || brand.SequenceEqual("dash"u8);

    /// <summary>The kind of the file at <paramref name="path"/>, from its first bytes.</summary>
    public static async Task<RecipeFileKind> DetectAsync(string path, CancellationToken ct)
    {
        var head = new byte[12];
        await using var file = File.OpenRead(path);
        var read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        return Detect(head.AsSpan(0, read));
    }

    public static bool IsVideo(RecipeFileKind kind) => kind is RecipeFileKind.Mp4 or RecipeFileKind.WebM;

    /// <summary>The recipe in a file, or null when it carries none (a plain image, another tool's video).</summary>
    /// <exception cref="SvdInputException">The file carries an SvdWeb recipe that cannot be used, or its metadata is over the limits.</exception>
    /// <exception cref="FfmpegException">A video, and ffprobe is missing or cannot read it.</exception>
    public static async Task<RecipeStamp?> ReadAsync(string path, ImageLimits limits, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var kind = await DetectAsync(path, ct).ConfigureAwait(false);
        if (IsVideo(kind)) return await ReadVideoAsync(path, kind, ct).ConfigureAwait(false);
        if (kind == RecipeFileKind.Other) return null;
        await using var stream = File.OpenRead(path);
        return ReadImage(stream, kind, limits, Path.GetFileName(path));
    }

    /// <summary>The recipe in an uploaded file's bytes; a video is written to a temporary file for ffprobe.</summary>
    public static async Task<RecipeStamp?> ReadAsync(byte[] file, string displayName, ImageLimits limits, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(file);
        var kind = Detect(file);
        if (kind == RecipeFileKind.Other) return null;
        if (!IsVideo(kind)) return ReadImage(new MemoryStream(file, writable: false), kind, limits, displayName);
        var temporary = Path.Combine(Path.GetTempPath(), $"svdweb-recipe-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(temporary, file, ct).ConfigureAwait(false);
            return await ReadVideoAsync(temporary, kind, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The first frame of an MP4 or WebM as PNG bytes (what a remix of a video whose item is gone starts from).</summary>
    /// <exception cref="FfmpegException">ffmpeg is missing or cannot decode the video.</exception>
    public static async Task<byte[]> FirstFrameAsync(byte[] video, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(video);
        var kind = Detect(video);
        if (!IsVideo(kind)) throw new ArgumentException("Not an MP4 or WebM file.", nameof(video));
        var temporary = Path.Combine(Path.GetTempPath(), $"svdweb-frame-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(temporary, video, ct).ConfigureAwait(false);
            using var output = new MemoryStream();
            await RunAsync("ffmpeg", ["-v", "error", "-f", Demuxer(kind), "-i", temporary, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"], output, ct).ConfigureAwait(false);
            if (output.Length == 0) throw new FfmpegException("ffmpeg found no frame in the video.");
            return output.ToArray();
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static RecipeStamp? ReadImage(Stream stream, RecipeFileKind kind, ImageLimits limits, string displayName)
    {
        // ImageSharp keeps every metadata block even to identify a file: the upload's own limits come first.
        MetadataGuard.Check(stream, limits, displayName);
        if (kind == RecipeFileKind.WebP) return WebpXmp(stream).Select(RecipeStamp.Parse).FirstOrDefault(stamp => stamp is not null);
        IImageInfo? info;
        try
        {
            info = Image.Identify(stream);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // Damaged: not this reader's to report; loading it as an image says what is wrong.
            return null;
        }
        if (info is null) return null;
        var texts = kind switch
        {
            RecipeFileKind.Png => info.Metadata.GetPngMetadata().TextData.Where(t => t.Keyword == RecipeEmbedding.Keyword).Select(t => t.Value),
            RecipeFileKind.Gif => info.Metadata.GetGifMetadata().Comments,
            _ => [],
        };
        return texts.Select(RecipeStamp.Parse).FirstOrDefault(stamp => stamp is not null);
    }

    /// <summary>The recipe elements of the file's XMP chunks (the guard has checked every chunk fits in the file).</summary>
    private static List<string> WebpXmp(Stream stream)
    {
        var texts = new List<string>();
        Span<byte> header = stackalloc byte[8];
        for (var position = 12L; position + 8 <= stream.Length;)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (size > stream.Length - position - 8) break;
            if (header[..4].SequenceEqual("XMP "u8))
            {
                var xmp = new byte[size];
                stream.ReadExactly(xmp);
                try
                {
                    texts.AddRange(XDocument.Parse(Encoding.UTF8.GetString(xmp)).Descendants(XName.Get(RecipeEmbedding.Keyword, RecipeEmbedding.XmpNamespace)).Select(e => e.Value));
                }
                catch (XmlException)
                {
                    // Another tool's damaged XMP: no recipe of ours in it.
                }
            }
            position += 8 + size + (size % 2);
        }
        return texts;
    }

    private static async Task<RecipeStamp?> ReadVideoAsync(string path, RecipeFileKind kind, CancellationToken ct)
    {
        using var output = new MemoryStream();
        await RunAsync("ffprobe", ["-v", "error", "-f", Demuxer(kind), "-show_entries", "format_tags", "-of", "json", path], output, ct).ConfigureAwait(false);
        output.Position = 0;
        using var json = await JsonDocument.ParseAsync(output, cancellationToken: ct).ConfigureAwait(false);
        if (!json.RootElement.TryGetProperty("format", out var format) || !format.TryGetProperty("tags", out var tags)) return null;
        // MP4 spells the tag "comment", Matroska "COMMENT".
        return tags.EnumerateObject()
            .Where(tag => tag.Name.Equals("comment", StringComparison.OrdinalIgnoreCase) && tag.Value.ValueKind == JsonValueKind.String)
            .Select(tag => RecipeStamp.Parse(tag.Value.GetString()!))
            .FirstOrDefault(stamp => stamp is not null);
    }

    private static string Demuxer(RecipeFileKind kind) => kind == RecipeFileKind.Mp4 ? "mov" : "matroska";

    private static async Task RunAsync(string tool, IReadOnlyList<string> arguments, Stream stdout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path.Combine(FfmpegTool.RequireFolder(), tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new FfmpegException($"{tool} could not be started. {FfmpegException.InstallHint}");
        try
        {
            // Both pipes at once: a full stderr pipe would block the tool while stdout is read.
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            await copy.ConfigureAwait(false);
            var stderr = await errors.ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw new FfmpegException($"{tool} could not read the video: {stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? $"exit code {process.ExitCode}"}", stderr);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
            throw;
        }
    }
}
