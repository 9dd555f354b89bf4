using SvdWeb.Accounts;
using SvdWeb.Components.Shared;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Video;
using SvdWeb.Jobs;

namespace SvdWeb.Components.Pages;

/// <summary>
/// Remixing a dropped file SvdWeb made: the recipe inside it (<see cref="RecipeReader"/>) is offered, and taken with
/// the image of the gallery item it names while that exists and the user may see it, else the file's first frame.
/// </summary>
public sealed partial class Create
{
    private DroppedRecipe? _dropped;

    /// <param name="IsVideo">An MP4 or WebM: not an image to generate from, only a recipe to remix.</param>
    /// <param name="FrameLoaded">The file itself loaded as the image (a PNG frame, a GIF's first frame).</param>
    private sealed record DroppedRecipe(RecipeStamp Stamp, string FileName, byte[] File, bool IsVideo, Job? Item, bool FrameLoaded, bool Applied = false)
    {
        public RemixImage ImageFrom => Item is not null ? RemixImage.GalleryItem : IsVideo || FrameLoaded ? RemixImage.FirstFrame : RemixImage.None;
    }

    private bool DroppedPackMissing => _dropped is { } dropped && !_packs.Any(p => p.Name == dropped.Stamp.Model && IsUsable(p));

    /// <summary>
    /// Looks for an SvdWeb recipe in the dropped file and offers it. True when the file is a video, which is never the
    /// image itself (the offer, or an error saying why there is none, is all it gives).
    /// </summary>
    private async Task<bool> OfferDroppedRecipeAsync(byte[] file, string name)
    {
        _dropped = null;
        var kind = RecipeReader.Detect(file);
        var isVideo = RecipeReader.IsVideo(kind);
        var display = JobService.DisplayName(name);
        RecipeStamp? stamp;
        try
        {
            stamp = await RecipeReader.ReadAsync(file, display, Jobs.Limits, CancellationToken.None);
        }
        catch (Exception ex) when (ex is SvdInputException or FfmpegException)
        {
            // An image is still an image when its recipe is unreadable; a video has nothing else to give.
            if (isVideo) _imageError = $"'{display}' holds no recipe SvdWeb can use: {ex.Message}";
            return isVideo;
        }
        if (stamp is null)
        {
            if (isVideo)
                _imageError = $"'{display}' is a video without an SvdWeb recipe inside. Drop an image to animate, or a video or frame SvdWeb made to remix its recipe.";
            return isVideo;
        }
        var item = stamp.Item is { } id ? await VisibleItemAsync(id) : null;
        _dropped = new DroppedRecipe(stamp, display, file, isVideo, item, FrameLoaded: !isVideo);
        return isVideo;
    }

    /// <summary>The dropped file's image did not load (animated WebP): a remix without its item has no image.</summary>
    private void DroppedFrameUnreadable()
    {
        if (_dropped is { } dropped) _dropped = dropped with { FrameLoaded = false };
    }

    private async Task RemixDroppedAsync()
    {
        if (_dropped is not { } dropped) return;
        var model = _form.Model;
        _form.Load(dropped.Stamp.Recipe);
        if (DroppedPackMissing) _form.Model = model;
        _revalidate = true;
        try
        {
            if (dropped.Item is { } item) await LoadItemImageAsync(item);
            else if (dropped.IsVideo) await UseImageAsync(await RecipeReader.FirstFrameAsync(dropped.File, CancellationToken.None), $"first frame of {dropped.FileName}");
        }
        catch (Exception ex) when (ex is UserFacingException or IOException)
        {
            _imageError = $"The recipe is loaded, but its image could not be: {ex.Message}";
        }
        _dropped = dropped with { Applied = true };
        UpdateModelView();
    }

    /// <summary>A gallery item the user may see and whose input is still in the data folder; someone else's private item does not exist to them.</summary>
    private async Task<Job?> VisibleItemAsync(Guid id) =>
        await Jobs.FindAsync(id, CancellationToken.None) is { } item
        && (AuthenticationState is null || Ownership.MaySee((await AuthenticationState).User, item))
        && File.Exists(Media.PathOf(item.MediaFolder, item.InputFile))
            ? item
            : null;

    private async Task LoadItemImageAsync(Job item)
    {
        var bytes = await File.ReadAllBytesAsync(Media.PathOf(item.MediaFolder, item.InputFile));
        (_upload, _image, _fileName) = (bytes, ImageLoader.Load(new MemoryStream(bytes), Jobs.Limits, item.InputFileName), item.InputFileName);
        _inputPreview = DataUrl(_image, PreviewMaxSide);
    }

    private async Task UseImageAsync(byte[] file, string name)
    {
        var image = await Jobs.ReadImageAsync(new MemoryStream(file), name, CancellationToken.None);
        (_upload, _image, _fileName) = (file, image, name);
        _inputPreview = DataUrl(image, PreviewMaxSide);
    }
}
