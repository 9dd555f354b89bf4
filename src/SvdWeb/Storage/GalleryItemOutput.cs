using System.IO.Compression;
using SvdWeb.Inference;
using SvdWeb.Inference.Video;

namespace SvdWeb.Storage;

/// <summary>
/// A gallery item's files in its media folder: video_N.mp4, frames_N.zip (the lossless PNG frames, stored), and the
/// thumbnail and animated preview of the first video. Every file is written through a temporary one and moved into
/// place, so a failed or cancelled run leaves nothing half-written under its final name.
/// </summary>
internal sealed class GalleryItemOutput(MediaStore media, string mediaFolder, int fps) : IVideoOutput
{
    public string VideoPath(int video) => media.PathOf(mediaFolder, MediaStore.VideoFile(video));

    public Task WriteFramesAsync(int video, SvdVideo frames, RecipeStamp stamp, CancellationToken ct) =>
        media.WriteAtomicallyAsync(mediaFolder, MediaStore.FramesZipFile(video), (stream, token) => WriteFramesZipAsync(frames, stamp, stream, token), ct);

    public async Task FinishAsync(SvdResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        var first = result.Videos[0];
        await media.WriteAtomicallyAsync(mediaFolder, MediaStore.ThumbnailFile, (s, token) => PreviewRenderer.WriteThumbnailAsync(first, s, token), ct).ConfigureAwait(false);
        await media.WriteAtomicallyAsync(mediaFolder, MediaStore.PreviewFile, (s, token) => PreviewRenderer.WriteAnimatedPreviewAsync(first, fps, s, token), ct).ConfigureAwait(false);
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
