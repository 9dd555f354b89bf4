namespace SvdWeb.Inference.Imaging;

/// <summary>
/// An 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B: the HWC uint8 array Pillow and numpy hold after
/// <c>load_image</c> (EXIF orientation applied, converted to RGB). Everything the pipeline reads from an image starts here.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.LongLength != (long)width * height * 3)
            throw new ArgumentException($"A {width}x{height} RGB image has {(long)width * height * 3} bytes, not {pixels.LongLength}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>[height, width, 3] bytes.</summary>
    public byte[] Pixels { get; }
}
