using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// Forwards pipeline progress to the broadcaster synchronously, in order (Progress&lt;T&gt; would post each report
/// to the thread pool and they could arrive out of order), with the latent preview as a small PNG.
/// </summary>
/// <param name="before">Time the job spent before the pipeline's run (loading the model), added to every report's elapsed
/// time so that the clock the user sees never goes back.</param>
internal sealed class JobProgressReporter(Guid jobId, JobProgressBroadcaster broadcaster, TimeSpan before) : IProgress<SvdProgress>
{
    public const double PipelineShare = 0.95;

    private byte[]? _lastPreview;

    public void Report(SvdProgress value)
    {
        // The job's end is the runner's to publish, with the row's final status.
        if (value.Stage == SvdStage.Done) return;
        if (value.Preview is { } preview) _lastPreview = PreviewRenderer.ToPng(preview);
        // The pipeline's run is the first 95 % of a job; writing the MP4s, frames and previews is the rest.
        var fraction = value.Stage == SvdStage.EncodingVideo
            ? PipelineShare + (1 - PipelineShare) * value.Step / Math.Max(1, value.TotalSteps)
            : value.Fraction * PipelineShare;
        broadcaster.Publish(new JobProgress(jobId, JobStatus.Running, value.Stage, value.Step, value.TotalSteps, fraction,
            (before + value.Elapsed).TotalSeconds, value.Remaining?.TotalSeconds, null, _lastPreview));
    }
}
