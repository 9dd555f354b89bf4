using SvdWeb.Inference;
using SvdWeb.Inference.Video;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb generate</c>'s files: the MP4 named by --out (NAME_0.mp4, NAME_1.mp4, … for several videos), the PNG
/// frames under --frames-dir when given (a video_N subfolder each for several), and NAME.recipe.json beside the MP4,
/// the recipe that reproduces the run. Each file written is named on stderr.
/// </summary>
internal sealed class CommandLineOutput(string videoPath, int videos, string? framesDir, string packName) : IVideoOutput
{
    public string RecipePath => Path.ChangeExtension(videoPath, ".recipe.json");

    public string VideoPath(int video) => videos == 1 ? videoPath
        : Path.Combine(Path.GetDirectoryName(videoPath) ?? "", $"{Path.GetFileNameWithoutExtension(videoPath)}_{video}{Path.GetExtension(videoPath)}");

    public async Task WriteFramesAsync(int video, SvdVideo frames, RecipeStamp stamp, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Console.Error.WriteLine($"wrote {VideoPath(video)}");
        if (framesDir is null) return;
        var folder = videos == 1 ? framesDir : Path.Combine(framesDir, $"video_{video}");
        var pngs = Enumerable.Range(0, frames.NumFrames).Select(frames.FrameRgb24).ToArray();
        await PngFrameWriter.WriteAsync(folder, pngs, frames.Width, frames.Height, ct, stamp).ConfigureAwait(false);
        Console.Error.WriteLine($"wrote {frames.NumFrames} PNG frames to {folder}");
    }

    public async Task FinishAsync(SvdResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        await File.WriteAllTextAsync(RecipePath, result.Recipe.ToRequest(packName).ToJson(), ct).ConfigureAwait(false);
    }
}
