using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Options;
using SvdWeb.Gallery;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// Runs before the workers start (registered first, and hosted services start in order): applies migrations, removes
/// temporary files a crash left and, on SQLite (one process runs every job), marks jobs that were running when the
/// process died Interrupted. On PostgreSQL other hosts' workers may be running jobs; one whose worker died is taken
/// back when its lease expires (<see cref="JobClaims.RequeueExpiredAsync"/>). The waiting jobs need nothing: the rows
/// are the queue. Nothing stored is lost across a restart.
/// It also takes group and other permissions off the data folder (see <see cref="PrivateFiles"/>) and removes media
/// folders that no row owns once they are older than <see cref="OrphanGracePeriod"/> (a process killed between
/// writing an upload and saving its row leaves one), unless the database holds no job at all, and attempt folders
/// that no running attempt owns (a worker killed after its lease was taken back leaves one).
/// </summary>
public sealed partial class StartupRecovery(
    IDbContextFactory<GalleryDbContext> dbFactory,
    MediaStore media,
    IOptions<SvdWebOptions> options,
    TimeProvider time,
    ILogger<StartupRecovery> logger) : IHostedService
{
    /// <summary>How old a media folder without a row must be before it is removed: younger ones may still be in use by a process writing an upload.</summary>
    public static readonly TimeSpan OrphanGracePeriod = TimeSpan.FromHours(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Data folders from before, or made by hand under a lax umask, become private too.
        if (PrivateFiles.Tighten(media.DataFolder) is > 0 and var tightened) Log.Tightened(logger, tightened, media.DataFolder);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var sqlite = options.Value.Database.Provider == DatabaseProvider.Sqlite;
        // EF sets WAL on files it creates; this covers a database made another way (a restored backup, say).
        if (sqlite) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
        Log.Database(logger, $"{options.Value.Database.Provider.ToString().ToLowerInvariant()} {db.Database.GetDbConnection().DataSource}");

        // On a shared media folder another host's worker may be writing its temporary files right now; a lost
        // attempt's are removed when its lease is taken back.
        var removed = sqlite ? media.RemoveTemporaryFiles() : 0;
        var now = time.GetUtcNow().UtcDateTime;
        var interrupted = sqlite
            ? await db.Jobs.Where(g => g.Status == JobStatus.Running).ToListAsync(cancellationToken).ConfigureAwait(false)
            : [];
        foreach (var job in interrupted)
        {
            job.Status = JobStatus.Interrupted;
            job.Error = JobRunner.InterruptedMessage;
            job.FinishedUtc = now;
            job.LeaseOwner = null;
            job.LeaseUntil = null;
            // No worker of this process has started yet, so no outcome can be on its way into the job's folder: a
            // run from before attempt folders may have left partial outputs there, and every attempt's are partial.
            media.DeleteOutputs(job.MediaFolder, job.InputFile);
            foreach (var attempt in media.AttemptFolders(job.MediaFolder)) media.DeleteAttempt(job.MediaFolder, attempt);
        }
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        var queued = await db.Jobs.CountAsync(g => g.Status == JobStatus.Queued, cancellationToken).ConfigureAwait(false);
        Log.Recovered(logger, queued, interrupted.Count, removed);

        await AuditMediaAsync(db, sqlite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rows whose files are gone (a disk replaced, a folder deleted by hand) are flagged so the gallery says so instead
    /// of showing a broken player; folders without a row are listed in the log for the admin, never deleted.
    /// </summary>
    private async Task AuditMediaAsync(GalleryDbContext db, bool sqlite, CancellationToken ct)
    {
        var flagged = 0;
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var staleAttempts = new List<string>();
        var cutoff = time.GetUtcNow().UtcDateTime - OrphanGracePeriod;
        await foreach (var job in db.Jobs.AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            folders.Add(job.MediaFolder);
            foreach (var attempt in media.AttemptFolders(job.MediaFolder))
            {
                // The running attempt's folder is its worker's. Any other is a lost attempt's: on PostgreSQL its
                // worker may be alive on another host and about to find out it lost (then it deletes it itself), so it
                // is given the grace period; on SQLite no worker has started yet.
                if (job.Status == JobStatus.Running && job.Attempt == attempt) continue;
                if (!sqlite && media.LastWriteUtc(job.MediaFolder, attempt) >= cutoff) continue;
                media.DeleteAttempt(job.MediaFolder, attempt);
                staleAttempts.Add($"{job.MediaFolder}/{MediaStore.AttemptFolderName(attempt)}");
            }
            var missing = media.MissingFiles(job);
            var text = missing.Count == 0 ? null : string.Join(", ", missing);
            if (text == job.MissingFiles) continue;
            job.MissingFiles = text;
            if (text is not null)
            {
                flagged++;
                Log.FilesMissing(logger, job.Id, text);
            }
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        if (staleAttempts.Count > 0) Log.StaleAttemptsRemoved(logger, staleAttempts.Count, media.MediaRoot, string.Join(", ", staleAttempts));
        var orphans = media.OrphanFolders(folders);
        // A database with no job at all beside a media folder full of items is a new database next to an existing
        // gallery (a PostgreSQL database started once before svdweb copy-to-postgres fills it, a wrong connection
        // string), not a crash's leftovers: nothing is removed.
        var newDatabase = folders.Count == 0 && orphans.Count > 0;
        if (newDatabase) Log.NewDatabaseBesideMedia(logger, orphans.Count, media.MediaRoot);
        var expired = newDatabase ? [] : orphans.Where(folder => media.LastWriteUtc(folder) < cutoff).ToArray();
        foreach (var folder in expired) media.DeleteFolder(folder);
        if (expired.Length > 0) Log.OrphansRemoved(logger, expired.Length, media.MediaRoot, string.Join(", ", expired));
        var young = orphans.Except(expired).ToArray();
        if (young.Length > 0) Log.OrphanFolders(logger, young.Length, media.MediaRoot, OrphanGracePeriod, string.Join(", ", young.Take(20)));
        if (flagged > 0) Log.Flagged(logger, flagged);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Warning, "Gallery item {JobId} is missing files in the data folder: {Files}. It is flagged in the gallery; regenerate or delete it.")]
        public static partial void FilesMissing(ILogger logger, Guid jobId, string files);

        [LoggerMessage(4, LogLevel.Warning, "{Count} media folder(s) in {MediaRoot} belong to no gallery item but are younger than {GracePeriod}, so they are kept until a later start: {Folders}")]
        public static partial void OrphanFolders(ILogger logger, int count, string mediaRoot, TimeSpan gracePeriod, string folders);

        [LoggerMessage(6, LogLevel.Warning, "Removed {Count} media folder(s) from {MediaRoot} that belong to no gallery item (left by a crash between an upload and its row, or by restoring an older database): {Folders}")]
        public static partial void OrphansRemoved(ILogger logger, int count, string mediaRoot, string folders);

        [LoggerMessage(9, LogLevel.Warning, "Removed {Count} attempt folder(s) in {MediaRoot} that no running attempt owns (left by a worker stopped after its job was taken over): {Folders}")]
        public static partial void StaleAttemptsRemoved(ILogger logger, int count, string mediaRoot, string folders);

        [LoggerMessage(8, LogLevel.Warning, "The database holds no job, but {MediaRoot} holds {Count} media folder(s): they are kept. If this is a new PostgreSQL database for an existing gallery, copy the gallery into it with svdweb copy-to-postgres; otherwise check the connection string.")]
        public static partial void NewDatabaseBesideMedia(ILogger logger, int count, string mediaRoot);

        [LoggerMessage(7, LogLevel.Warning, "Took group and other permissions off {Count} file(s) and folder(s) in {DataFolder}: it holds password hashes and private media.")]
        public static partial void Tightened(ILogger logger, int count, string dataFolder);

        [LoggerMessage(5, LogLevel.Warning, "Startup audit: {Count} gallery item(s) flagged for missing files.")]
        public static partial void Flagged(ILogger logger, int count);

        [LoggerMessage(1, LogLevel.Information, "Gallery database: {Path}")]
        public static partial void Database(ILogger logger, string path);

        [LoggerMessage(2, LogLevel.Information, "Startup recovery: {Queued} jobs waiting in the queue, {Interrupted} running jobs marked interrupted, {Removed} temporary files removed.")]
        public static partial void Recovered(ILogger logger, int queued, int interrupted, int removed);
    }
}
