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

    /// <summary>
    /// Most scans in a JPEG. Each scan of a progressive JPEG makes the decoder visit every block of the image again, and
    /// the format codes a run of 32,767 empty blocks in two bytes, so a 300 KB file of thousands of scans can cost hours
    /// of decoding (libjpeg-turbo's "Two Issues with the JPEG Standard", LJT-01-003). A baseline JPEG has one scan per
    /// component and the common progression scripts about ten; libjpeg-turbo's and DALI's guards allow 500, but with
    /// this project's 40-megapixel limit 100 already bounds a decode to seconds.
    /// </summary>
    public int MaxJpegScans { get; init; } = 100;

    /// <summary>
    /// The smallest width and height accepted: 1 reads any image; the input of a run needs <see cref="InputMinSide"/>.
    /// </summary>
    public int MinSide { get; init; } = 1;

    /// <summary>
    /// The smallest side of an image the pipeline can run on: the image encoder's anti-aliasing blur mirrors at least
    /// one pixel on each side (torch's reflect padding), which needs two.
    /// </summary>
    public const int InputMinSide = 2;

    /// <summary>Where an admin raises <see cref="MaxBytes"/> (the web app's "SvdWeb:MaxUploadBytes"), named in the refusal; null for none.</summary>
    public string? MaxBytesSetting { get; init; }

    /// <summary>50 MiB and 40 megapixels: more than any camera photo a user would animate, far below what exhausts memory.</summary>
    public static ImageLimits Default { get; } = new(50L * 1024 * 1024, 40_000_000);

    /// <summary><see cref="Default"/> for the input of a run: at least <see cref="InputMinSide"/> a side.</summary>
    public static ImageLimits Input { get; } = Default with { MinSide = InputMinSide };
}
