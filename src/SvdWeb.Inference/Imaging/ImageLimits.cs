namespace SvdWeb.Inference.Imaging;

/// <summary>What an accepted input image may be at most, checked before its pixels are decoded.</summary>
/// <param name="MaxBytes">Largest encoded file, in bytes.</param>
/// <param name="MaxPixels">Largest width × height, read from the header: a small file can declare a huge canvas
/// (a decompression bomb), so this is what bounds the memory a decode takes.</param>
public sealed record ImageLimits(long MaxBytes, long MaxPixels)
{
    /// <summary>50 MiB and 40 megapixels: more than any camera photo a user would animate, far below what exhausts memory.</summary>
    public static ImageLimits Default { get; } = new(50L * 1024 * 1024, 40_000_000);
}
