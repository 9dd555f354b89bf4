using SvdWeb.Inference;
using SvdWeb.Jobs;

namespace SvdWeb.Tests;

/// <summary>
/// Waits on a job's progress as this process's broadcaster delivers it (a worker here, or a peer's through the
/// PostgreSQL relay): the moment a run is known to be inside its denoising loop, with no guess at how long that takes.
/// </summary>
internal static class ProgressWaits
{
    /// <summary>Until <paramref name="steps"/> denoising steps of the job are done (at most a minute).</summary>
    public static async Task UntilDenoisedAsync(JobProgressBroadcaster broadcaster, Guid id, int steps, CancellationToken ct)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(JobProgress? progress)
        {
            if (progress is { Stage: SvdStage.Denoising } && progress.Step >= steps) reached.TrySetResult();
        }
        using var subscription = broadcaster.Subscribe(id, Check);
        Check(broadcaster.Latest(id));
        try
        {
            await reached.Task.WaitAsync(TimeSpan.FromMinutes(1), ct);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Job {id} did not reach denoising step {steps} within a minute; its progress is {broadcaster.Latest(id)?.ToString() ?? "none"}.");
        }
    }
}
