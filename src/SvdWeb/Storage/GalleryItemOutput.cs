using System.IO.Compression;
using SvdWeb.Inference;
using SvdWeb.Inference.Video;

namespace SvdWeb.Storage;

/// <summary>
/// A gallery item's files, written into one attempt's folder inside its media folder: video_N.mp4, frames_N.zip (the
/// lossless PNG frames, stored), and the thumbnail and animated preview of the first video. Every file is written
/// through a temporary one and moved into place, so a failed or cancelled run leaves nothing half-written under its
/// final name; the files become the item's when the attempt's outcome is recorded (<see cref="MediaStore.PromoteAttempt"/>).
/// </summary>
internal sealed class GalleryItemOutput(MediaStore media, string mediaFolder, int attempt, int fps) : IVideoOutput
{
    public string VideoPath(int video)
    {
        // Mp4Writer writes beside this path, so the attempt's folder must be there first.
        var path = media.PathOf(mediaFolder, attempt, MediaStore.VideoFile(video));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public Task WriteFramesAsync(int video, SvdVideo frames, RecipeStamp stamp, CancellationToken ct) =>
        media.WriteAtomicallyAsync(mediaFolder, attempt, MediaStore.FramesZipFile(video), (stream, token) => WriteFramesZipAsync(frames, stamp, stream, token), ct);

    public async Task FinishAsync(SvdResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        var first = result.Videos[0];
        await media.WriteAtomicallyAsync(mediaFolder, attempt, MediaStore.ThumbnailFile, (s, token) => PreviewRenderer.WriteThumbnailAsync(first, s, token), ct).ConfigureAwait(false);
        await media.WriteAtomicallyAsync(mediaFolder, attempt, MediaStore.PreviewFile, (s, token) => PreviewRenderer.WriteAnimatedPreviewAsync(first, fps, s, token), ct).ConfigureAwait(false);
    }

    private static async Task WriteFramesZipAsync(SvdVideo video, RecipeStamp stamp, Stream destination, CancellationToken ct)
    {
        // PNG is already compressed: store the entries, which makes the ZIP as fast to write as to read.
        await using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        for (var f = 0; f < video.NumFrames; f++)
        {
            ct.ThrowIfCancellationRequested();
            var entry = zip.CreateEntry(PngFrameWriter.FrameName(f), CompressionLevel.NoCompression);
            await using var entryStream = await entry.OpenAsync(ct).ConfigureAwait(false);
            await entryStream.WriteAsync(PngFrameWriter.Encode(video.FrameRgb24(f).Span, video.Width, video.Height, stamp), ct).ConfigureAwait(false);
        }
    }
}
