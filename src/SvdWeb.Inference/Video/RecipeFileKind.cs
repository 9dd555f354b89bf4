namespace SvdWeb.Inference.Video;

/// <summary>The kinds of file <see cref="RecipeReader"/> looks into, told by their first bytes (never by the name).</summary>
public enum RecipeFileKind
{
    /// <summary>Anything else: a JPEG, BMP or TIFF, a JSON file, or a video in another container.</summary>
    Other,
    Png,
    Gif,
    WebP,
    Mp4,
    WebM,
}
