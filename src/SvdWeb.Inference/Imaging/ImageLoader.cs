using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace SvdWeb.Inference.Imaging;

/// <summary>
/// Decodes an input image the way diffusers' <c>load_image</c> prepares one: EXIF orientation applied
/// (<c>ImageOps.exif_transpose</c>), then 8-bit RGB (<c>convert("RGB")</c>: alpha is dropped, not composited; grey,
/// palette, 16-bit and CMYK images are converted). Only raster formats are read (PNG, JPEG, WebP, BMP, GIF's first
/// frame, TIFF's first page), and the header and the metadata (<see cref="MetadataGuard"/>) are checked against
/// <see cref="ImageLimits"/> before any pixel is decoded,
/// so a small file declaring a huge canvas is refused without the memory it asks for.
/// </summary>
public static class ImageLoader
{
    private const string Formats = "PNG, JPEG, WebP, BMP, GIF or TIFF";

    private static readonly Configuration RasterFormats = CreateConfiguration();

    /// <exception cref="SvdInputException">Missing, too large, not a supported image, or damaged; the message says which and what to do.</exception>
    public static RgbImage Load(string path, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new SvdInputException("image", $"The image '{Path.GetFullPath(path)}' does not exist. Check the path.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(stream, limits, name);
    }

    /// <summary>
    /// Reads an upload into memory, stopping as soon as it passes the byte limit, so an oversized one is never held
    /// whole; <see cref="Load(Stream, ImageLimits, string)"/> then decodes the buffer.
    /// </summary>
    /// <exception cref="SvdInputException">Over <see cref="ImageLimits.MaxBytes"/>.</exception>
    public static async Task<MemoryStream> BufferAsync(Stream upload, ImageLimits limits, string displayName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(limits);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await upload.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limits.MaxBytes)
            {
                await buffer.DisposeAsync().ConfigureAwait(false);
                throw TooLarge(displayName, null, limits);
            }
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
    }

    /// <param name="stream">The encoded file; read from its current position. A non-seekable stream is buffered up to the byte limit.</param>
    /// <param name="displayName">How the user knows the file, for messages (never used as a path).</param>
    public static RgbImage Load(Stream stream, ImageLimits limits, string displayName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        if (!stream.CanSeek)
        {
            var buffered = new MemoryStream();
            CopyWithLimit(stream, buffered, limits, displayName);
            buffered.Position = 0;
            stream = buffered;
        }
        var length = stream.Length - stream.Position;
        if (length > limits.MaxBytes)
            throw TooLarge(displayName, length, limits);
        if (length == 0)
            throw new SvdInputException("image", $"'{displayName}' is empty (0 bytes). Choose an image file ({Formats}).");

        var start = stream.Position;
        // Before Identify: ImageSharp inflates and keeps every metadata chunk even to read the header.
        MetadataGuard.Check(stream, limits, displayName);
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(RasterFormats, stream, out format);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Damaged(displayName, ex);
        }
        if (info is null || format is null)
            throw new SvdInputException("image", $"'{displayName}' is not an image SvdWeb can read: it must be {Formats}. Save it in one of those formats (PNG or JPEG is best) and try again.");
        var pixelCount = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1)
            throw Damaged(displayName, null);
        if (pixelCount > limits.MaxPixels)
        {
            throw new SvdInputException("image",
                $"'{displayName}' is {info.Width}x{info.Height} ({pixelCount / 1e6:F1} megapixels); the limit is {limits.MaxPixels / 1e6:F1} megapixels. Scale it down first (the video is at most 2048 pixels a side anyway).");
        }
        // Orientation only swaps the sides, so the header's size decides this.
        if (info.Width < limits.MinSide || info.Height < limits.MinSide)
        {
            throw new SvdInputException("image",
                $"'{displayName}' is {info.Width}x{info.Height}; images must be at least {limits.MinSide} pixels wide and high, since the image encoder's anti-aliasing blur mirrors a pixel on each side. Use a larger image (the video is at least {SvdParameterLimits.MinSide} pixels a side anyway).");
        }

        stream.Position = start;
        try
        {
            using var image = Image.Load<Rgb24>(RasterFormats, stream);
            image.Mutate(x => x.AutoOrient());
            var pixels = new byte[checked(image.Width * image.Height * 3)];
            image.CopyPixelDataTo(pixels.AsSpan());
            return new RgbImage(image.Width, image.Height, pixels);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw Damaged(displayName, ex);
        }
    }

    /// <summary>
    /// Whether an exception from decoding (the header or the pixels) is the file's fault. ImageSharp's decoders parse
    /// untrusted bytes and throw far more than their format exceptions on damaged ones: ArgumentOutOfRangeException for
    /// a TIFF tag whose value count overflows a length, InvalidOperationException for a TIFF without a usable IFD or a
    /// BMP over 65535 pixels a side, NullReferenceException and DivideByZeroException from damaged JPEG and BMP data
    /// (ImageLoaderFuzzTests finds them). Any of those means the upload cannot be read; only running out of memory
    /// and cancellation are the server's own.
    /// </summary>
    private static bool IsDecoderFailure(Exception ex) => ex is not (OutOfMemoryException or OperationCanceledException);

    private static void CopyWithLimit(Stream source, Stream destination, ImageLimits limits, string displayName)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            total += read;
            if (total > limits.MaxBytes) throw TooLarge(displayName, null, limits);
            destination.Write(buffer, 0, read);
        }
    }

    /// <summary>The one refusal of a file over <see cref="ImageLimits.MaxBytes"/>, wherever it is noticed first (the
    /// browser's file picker, a request's declared length, the form part, the read).</summary>
    /// <param name="displayName">The file's name; null when only the request is known (the body was refused whole).</param>
    /// <param name="bytes">The file's size, or null when reading stopped at the limit.</param>
    public static SvdInputException TooLarge(string? displayName, long? bytes, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var setting = limits.MaxBytesSetting is { } name ? $" ({name})" : "";
        return new("image",
            $"{(displayName is null ? "The upload" : $"'{displayName}'")} is over the upload limit: files may be at most {FormatBytes(limits.MaxBytes)}{setting}, this one is {(bytes is { } size ? FormatBytes(size) : "larger")}. Use a smaller file, e.g. the image scaled down or saved as JPEG.");
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 20 => $"{bytes / 1048576.0:F1} MB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KB",
        _ => $"{bytes} bytes",
    };

    private static SvdInputException Damaged(string displayName, Exception? inner)
    {
        var message = $"'{displayName}' could not be decoded: the file is damaged or truncated{(inner is null ? "" : $" ({inner.Message.Split('\n')[0].TrimEnd('.')})")}. Export the image again as PNG or JPEG.";
        return inner is null ? new SvdInputException("image", message) : new SvdInputException("image", message, inner);
    }

    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(
            new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule(),
            new BmpConfigurationModule(), new GifConfigurationModule(), new TiffConfigurationModule());
        // Only the first frame of an animation is used: decoding the others would only spend memory.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }
}
