namespace SvdWeb.Inference.Imaging;

/// <summary>What an accepted input image may be at most, checked before its pixels are decoded.</summary>
/// <param name="MaxBytes">Largest encoded file, in bytes.</param>
/// <param name="MaxPixels">Largest width × height, read from the header: a small file can declare a huge canvas
/// (a decompression bomb), so this is what bounds the memory a decode takes.</param>
public sealed record ImageLimits(long MaxBytes, long MaxPixels)
{
    /// <summary>
    /// Most bytes of everything besides pixels that a decoder would inflate or keep: text, ICC profiles, EXIF and XMP.
    /// A PNG text chunk of a few hundred KB can inflate to hundreds of MB, which the pixel limit does not bound.
    /// </summary>
    public long MaxMetadataBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>50 MiB and 40 megapixels: more than any camera photo a user would animate, far below what exhausts memory.</summary>
    public static ImageLimits Default { get; } = new(50L * 1024 * 1024, 40_000_000);
}
