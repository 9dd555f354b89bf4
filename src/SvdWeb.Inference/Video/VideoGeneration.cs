using System.Diagnostics;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference.Video;

/// <summary>How one <see cref="VideoGeneration"/> runs, beyond what it makes.</summary>
/// <param name="Stamp">The recipe written into every MP4 and frame.</param>
/// <param name="Crf">x264 quality, 0 (lossless) to 51.</param>
/// <param name="Progress">The pipeline's reports, then one <see cref="SvdStage.EncodingVideo"/> report per video
/// (<see cref="SvdProgress.Step"/> videos written of <see cref="SvdProgress.TotalSteps"/>), then <see cref="SvdStage.Done"/>.</param>
/// <param name="Previews">A latent preview with every denoising step's report.</param>
public sealed record VideoGenerationOptions(RecipeStamp Stamp, int Crf = Mp4Encoder.DefaultCrf, IProgress<SvdProgress>? Progress = null, bool Previews = false);

/// <summary>
/// "Generate the video files" — the one use case behind the web worker and <c>svdweb generate</c>: start an encoder
/// per video (before inference, so a missing ffmpeg fails before minutes of GPU time, and each video encodes while the
/// VAE decodes its later chunks), run the pipeline feeding them frame by frame, then per video wait for its MP4 and
/// write its frames, and let the output finish (thumbnails, recipe file).
/// </summary>
public static class VideoGeneration
{
    /// <exception cref="FfmpegException">ffmpeg is missing or failed; no encoder is left running.</exception>
    /// <exception cref="GpuOutOfMemoryException">The device ran out of memory.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; the encoders' partial files are removed.</exception>
    public static async Task<SvdResult> RunAsync(SvdPipeline pipeline, RgbImage image, ResolvedRecipe recipe, IVideoOutput output,
        VideoGenerationOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        var paths = Enumerable.Range(0, recipe.NumVideosPerPrompt).Select(output.VideoPath).ToArray();
        var encoders = await VideoEncoders.StartAsync(paths, recipe.Width, recipe.Height, recipe.Fps, ct, options.Crf, options.Stamp).ConfigureAwait(false);
        await using (encoders.ConfigureAwait(false))
        {
            // The pipeline's Done is held back: the files are still to be written, and Done is reported once they are.
            var progress = options.Progress is { } outer ? new HoldDone(outer) : null;
            var result = await pipeline.RunAsync(image, recipe, new SvdRunOptions(progress, options.Previews, FrameReady: encoders.Add), ct).ConfigureAwait(false);
            var start = Stopwatch.GetTimestamp();
            void Report(SvdStage stage, int done) => options.Progress?.Report(
                new SvdProgress(stage, done, stage == SvdStage.Done ? 1 : result.Videos.Count, 1, result.Timings.Total + Stopwatch.GetElapsedTime(start), null));
            for (var v = 0; v < result.Videos.Count; v++)
            {
                Report(SvdStage.EncodingVideo, v);
                await encoders.CompleteAsync(v).ConfigureAwait(false);
                await output.WriteFramesAsync(v, result.Videos[v], options.Stamp, ct).ConfigureAwait(false);
            }
            Report(SvdStage.EncodingVideo, result.Videos.Count);
            await output.FinishAsync(result, ct).ConfigureAwait(false);
            Report(SvdStage.Done, 1);
            return result;
        }
    }

    private sealed class HoldDone(IProgress<SvdProgress> outer) : IProgress<SvdProgress>
    {
        public void Report(SvdProgress value)
        {
            if (value.Stage != SvdStage.Done) outer.Report(value);
        }
    }
}
