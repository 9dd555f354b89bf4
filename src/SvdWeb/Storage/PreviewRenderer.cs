using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SvdWeb.Inference;

namespace SvdWeb.Storage;

/// <summary>Gallery pictures of a video: a still thumbnail and an animated GIF preview, both small. Display only.</summary>
public static class PreviewRenderer
{
    public const int ThumbnailWidth = 320, PreviewWidth = 256;

    public static async Task WriteThumbnailAsync(SvdVideo video, Stream destination, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(video);
        using var image = Image.LoadPixelData<Rgb24>(video.FrameRgb24(video.NumFrames / 2).Span, video.Width, video.Height);
        image.Mutate(x => x.Resize(Math.Min(ThumbnailWidth, video.Width), 0));
        await image.SaveAsPngAsync(destination, new PngEncoder(), ct).ConfigureAwait(false);
    }

    public static async Task WriteAnimatedPreviewAsync(SvdVideo video, int fps, Stream destination, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(video);
        var width = Math.Min(PreviewWidth, video.Width);
        var height = Math.Max(1, (int)Math.Round(video.Height * (double)width / video.Width));
        using var animation = new Image<Rgb24>(width, height);
        var delay = Math.Max(2, (int)Math.Round(100.0 / fps));
        for (var f = 0; f < video.NumFrames; f++)
        {
            using var frame = Image.LoadPixelData<Rgb24>(video.FrameRgb24(f).Span, video.Width, video.Height);
            frame.Mutate(x => x.Resize(width, height));
            frame.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
            animation.Frames.AddFrame(frame.Frames.RootFrame);
        }
        animation.Frames.RemoveFrame(0);
        animation.Metadata.GetGifMetadata().RepeatCount = 0;
        await animation.SaveAsGifAsync(destination, new GifEncoder(), ct).ConfigureAwait(false);
    }

    public static byte[] ToPng(Inference.Imaging.RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var stream = new MemoryStream();
        picture.SaveAsPng(stream);
        return stream.ToArray();
    }
}
