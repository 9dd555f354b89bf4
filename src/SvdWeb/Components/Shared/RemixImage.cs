namespace SvdWeb.Components.Shared;

/// <summary>Where a remix of a dropped SvdWeb file takes its image from.</summary>
public enum RemixImage
{
    /// <summary>Neither is at hand: the user chooses the image.</summary>
    None,

    /// <summary>The input of the gallery item the file names, which still exists and the user may see.</summary>
    GalleryItem,

    /// <summary>The file's first frame (the frame itself, for a PNG), since the item is gone.</summary>
    FirstFrame,
}
