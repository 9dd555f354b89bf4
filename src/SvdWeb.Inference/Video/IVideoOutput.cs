namespace SvdWeb.Inference.Video;

/// <summary>
/// Where the files of one run go, for <see cref="VideoGeneration"/>: a gallery item's media folder (the web worker)
/// or the files named on the command line (<c>svdweb generate</c>). The steps and their order are the use case's; an
/// output only says where and in which form.
/// </summary>
public interface IVideoOutput
{
    /// <summary>The MP4 of video <paramref name="video"/> (0-based): ffmpeg writes beside it and moves it into place.</summary>
    string VideoPath(int video);

    /// <summary>Writes the lossless frames of one video, once its MP4 is in place (a ZIP of PNGs, or a PNG folder).</summary>
    /// <param name="stamp">The recipe every frame carries.</param>
    Task WriteFramesAsync(int video, SvdVideo frames, RecipeStamp stamp, CancellationToken ct);

    /// <summary>Once every video and its frames are written: what the output keeps of the whole run (the gallery's
    /// thumbnail and preview, the CLI's recipe JSON).</summary>
    Task FinishAsync(SvdResult result, CancellationToken ct);
}
