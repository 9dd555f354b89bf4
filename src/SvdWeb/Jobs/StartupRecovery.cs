using Microsoft.EntityFrameworkCore;
using SvdWeb.Gallery;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// Runs before the workers start (registered first, and hosted services start in order): applies migrations, removes
/// temporary files a crash left, marks jobs that were running when the process died Interrupted, and re-queues the
/// jobs that were waiting, oldest first. Nothing stored is lost across a restart.
/// </summary>
public sealed partial class StartupRecovery(
    IDbContextFactory<GalleryDbContext> dbFactory,
    GenerationQueue queue,
    MediaStore media,
    TimeProvider time,
    ILogger<StartupRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        // EF sets WAL on files it creates; this covers a database made another way (a restored backup, say).
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        Log.Database(logger, db.Database.GetDbConnection().DataSource);

        var removed = media.RemoveTemporaryFiles();
        var now = time.GetUtcNow().UtcDateTime;
        var interrupted = await db.Generations.Where(g => g.Status == GenerationStatus.Running).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var job in interrupted)
        {
            job.Status = GenerationStatus.Interrupted;
            job.Error = JobRunner.InterruptedMessage;
            job.FinishedUtc = now;
            media.DeleteOutputs(job.MediaFolder, job.InputFile);
        }
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        var queued = await db.Generations.Where(g => g.Status == GenerationStatus.Queued).OrderBy(g => g.CreatedUtc)
            .Select(g => g.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var id in queued) queue.Enqueue(id);
        Log.Recovered(logger, queued.Count, interrupted.Count, removed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Gallery database: {Path}")]
        public static partial void Database(ILogger logger, string path);

        [LoggerMessage(2, LogLevel.Information, "Startup recovery: {Queued} queued jobs re-queued, {Interrupted} running jobs marked interrupted, {Removed} temporary files removed.")]
        public static partial void Recovered(ILogger logger, int queued, int interrupted, int removed);
    }
}
