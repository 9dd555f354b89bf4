using Microsoft.EntityFrameworkCore;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>
/// A job runner that does everything <see cref="JobRunner"/> does around a run and nothing in between: it reads the
/// claimed row, publishes the "started" progress, records Succeeded through <see cref="JobClaims.FinishAsync"/> (the
/// attempt-fenced write the real runner makes) and publishes the final progress. So the workers' loop, the claims,
/// the outcome writes and the progress relay are the app's own, on the real database.
/// </summary>
internal sealed class NoOpJobRunner(IDbContextFactory<GalleryDbContext> dbFactory, JobClaims claims, JobProgressBroadcaster broadcaster, QueueRun run) : IJobRunner
{
    public async Task RunAsync(ClaimedJob claimed, string device, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        Job? job;
        await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false))
            job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == claimed.Id, stoppingToken).ConfigureAwait(false);
        if (job is null || job.Attempt != claimed.Attempt || job.Status != JobStatus.Running) return;
        var round = run.Current;
        round.Sent(claimed.Id, JobStatus.Running);
        broadcaster.Publish(new JobProgress(claimed.Id, JobStatus.Running, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
        if (!await claims.FinishAsync(claimed, job, JobStatus.Succeeded, null, null, CancellationToken.None).ConfigureAwait(false)) return;
        round.Sent(claimed.Id, JobStatus.Succeeded);
        broadcaster.Publish(new JobProgress(claimed.Id, JobStatus.Succeeded, SvdStage.Done, 1, 1, 1, 0, 0, null));
        round.Completed();
    }
}
