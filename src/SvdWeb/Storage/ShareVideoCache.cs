using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Gallery;
using SvdWeb.Inference.Video;
using SvdWeb.Options;

namespace SvdWeb.Storage;

/// <summary>
/// The download formats of a finished video (WebM, GIF, WebP, ping-pong variants of each and of the MP4, and motion-
/// interpolated versions of all of them), made from
/// its stored lossless frames the first time someone asks and kept in its media folder, so they go when the item goes.
/// Requests for the same file while it is being made wait for that one encode; a failed encode leaves nothing and the
/// next request tries again. The encode is not cancelled when one requester goes away: others may be waiting for it.
/// </summary>
public sealed class ShareVideoCache(MediaStore media, IOptions<SvdWebOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _encoding = new(StringComparer.Ordinal);

    /// <summary>The path of the file, made first when needed.</summary>
    /// <exception cref="FileNotFoundException">The video's frames are missing from the data folder.</exception>
    /// <exception cref="FfmpegException">ffmpeg is missing or failed.</exception>
    public async Task<string> GetAsync(Job job, int index, ShareFormat format, LoopMode loop, CancellationToken ct, int interpolation = 1)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (format == ShareFormat.Mp4 && loop == LoopMode.Forward && interpolation == 1)
            return media.PathOf(job.MediaFolder, MediaStore.VideoFile(index));
        var path = media.PathOf(job.MediaFolder, MediaStore.ShareFile(index, format, loop, interpolation));
        if (File.Exists(path)) return path;

        var encoding = _encoding.GetOrAdd(path, _ => new Lazy<Task>(() => EncodeAsync(job, index, format, loop, interpolation, path)));
        try
        {
            await encoding.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (encoding.Value.IsCompleted) _encoding.TryRemove(new KeyValuePair<string, Lazy<Task>>(path, encoding));
        }
        return path;
    }

    private async Task EncodeAsync(Job job, int index, ShareFormat format, LoopMode loop, int interpolation, string path)
    {
        var (frames, width, height) = await ReadFramesAsync(media.PathOf(job.MediaFolder, MediaStore.FramesZipFile(index))).ConfigureAwait(false);
        await ShareEncoder.WriteAsync(path, frames, width, height, job.Recipe.Fps, format, loop, CancellationToken.None, options.Value.VideoCrf, interpolation, job.ToRecipeStamp()).ConfigureAwait(false);
    }

    /// <summary>The video's frames as RGB24, from its ZIP of PNG frames (frame_0000.png, …, in name order).</summary>
    /// <exception cref="FileNotFoundException">The ZIP is missing, or damaged so that no frame can be read from it.</exception>
    internal static async Task<(IReadOnlyList<ReadOnlyMemory<byte>> Frames, int Width, int Height)> ReadFramesAsync(string zipPath)
    {
        if (!File.Exists(zipPath)) throw new FileNotFoundException("The video's frames are missing from the data folder.", zipPath);
        try
        {
            return await ReadZipAsync(zipPath).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or ImageFormatException or UnknownImageFormatException or EndOfStreamException)
        {
            // As good as missing: only a regenerate brings the frames back.
            throw new FileNotFoundException($"The video's frames in the data folder are damaged ({ex.Message}).", zipPath, ex);
        }
    }

    private static async Task<(IReadOnlyList<ReadOnlyMemory<byte>> Frames, int Width, int Height)> ReadZipAsync(string zipPath)
    {
        await using var zip = await ZipFile.OpenReadAsync(zipPath).ConfigureAwait(false);
        var frames = new List<ReadOnlyMemory<byte>>();
        int width = 0, height = 0;
        foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            await using var stream = await entry.OpenAsync().ConfigureAwait(false);
            using var image = await Image.LoadAsync<Rgb24>(stream).ConfigureAwait(false);
            (width, height) = (image.Width, image.Height);
            var pixels = new byte[width * height * 3];
            image.CopyPixelDataTo(pixels);
            frames.Add(pixels);
        }
        if (frames.Count == 0) throw new FileNotFoundException("The video's frames ZIP holds no frame.", zipPath);
        return (frames, width, height);
    }
}
