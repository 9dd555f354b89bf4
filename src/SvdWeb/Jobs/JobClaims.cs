using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// The database is the queue: a worker claims the next job (by <see cref="JobQueue"/>'s fair order, read from
/// the rows) in one transaction that marks it Running with a lease (<c>LeaseOwner</c>, <c>LeaseUntil</c>, a new
/// <c>Attempt</c>), renews the lease while it runs, and every later write names its attempt, so a worker that lost
/// its lease can change nothing. The two providers differ only in how concurrent claimers stay apart: SQLite is one
/// process (the role checks make sure), so its claims take turns on a lock here; PostgreSQL claimers on several hosts
/// take turns on a transaction-scoped advisory lock, so each plans from the claims before it.
/// </summary>
public sealed partial class JobClaims(
    IDbContextFactory<GalleryDbContext> dbFactory,
    MediaStore media,
    IOptions<SvdWebOptions> options,
    TimeProvider time,
    LeaseClock leaseClock,
    ILogger<JobClaims> logger)
{
    /// <summary>The meter of the queue's instruments (for dotnet-counters, OpenTelemetry and the queue benchmark).</summary>
    public const string MeterName = "SvdWeb.Jobs";

    /// <summary>Seconds a claim took, waiting its turn included; tagged <c>outcome</c> = <c>claimed</c> or <c>none</c> (nothing to take).</summary>
    public const string ClaimDurationInstrument = "svdweb.job.claim.duration";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> ClaimDuration = Meter.CreateHistogram<double>(ClaimDurationInstrument, "s", "Time a worker's claim of the next job took, waiting for its turn included.");

    private readonly SemaphoreSlim _sqliteClaims = new(1, 1);

    private DateTime Now => leaseClock.UtcNow;

    // Any constant shared by every host; "svdw" in ASCII, to be recognisable in pg_locks.
    private const long ClaimLockKey = 0x73766477;

    private bool IsPostgres => options.Value.Database.Provider == DatabaseProvider.Postgres;

    /// <summary>"host:pid:device": who holds a lease, for the admin reading the rows and for the log.</summary>
    public static string WorkerName(string device) => $"{Environment.MachineName}:{Environment.ProcessId}:{device}";

    /// <summary>Claims the next job in fair order; null when none is waiting.</summary>
    public Task<ClaimedJob?> ClaimNextAsync(string leaseOwner, CancellationToken ct) => ClaimAsync(leaseOwner, only: null, offers: null, ct);

    /// <summary>
    /// Claims the next job in fair order among those whose pack (name and hash) is in <paramref name="offers"/>: a job
    /// for a pack this worker lacks, or has with other files, waits for a worker that has it. Null when none is waiting.
    /// </summary>
    public Task<ClaimedJob?> ClaimNextAsync(string leaseOwner, IReadOnlyCollection<PackOffer> offers, CancellationToken ct) =>
        ClaimAsync(leaseOwner, only: null, offers ?? throw new ArgumentNullException(nameof(offers)), ct);

    /// <summary>Claims this job if it is waiting (tools and tests that run one job by hand); null when it is not.</summary>
    public Task<ClaimedJob?> ClaimAsync(Guid jobId, string leaseOwner, CancellationToken ct) => ClaimAsync(leaseOwner, jobId, offers: null, ct);

    private async Task<ClaimedJob?> ClaimAsync(string leaseOwner, Guid? only, IReadOnlyCollection<PackOffer>? offers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(leaseOwner);
        var started = Stopwatch.GetTimestamp();
        var claimed = await ClaimTakingTurnsAsync(leaseOwner, only, offers, ct).ConfigureAwait(false);
        ClaimDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("outcome", claimed is null ? "none" : "claimed"));
        return claimed;
    }

    private async Task<ClaimedJob?> ClaimTakingTurnsAsync(string leaseOwner, Guid? only, IReadOnlyCollection<PackOffer>? offers, CancellationToken ct)
    {
        if (IsPostgres) return await ClaimPostgresAsync(leaseOwner, only, offers, ct).ConfigureAwait(false);
        await _sqliteClaims.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var pick = only ?? (await RunnableAsync(db, offers, ct).ConfigureAwait(false)).Cast<Guid?>().FirstOrDefault();
            if (pick is not { } id) return null;
            var next = (await db.Jobs.MaxAsync(g => g.ClaimSeq, ct).ConfigureAwait(false) ?? 0) + 1;
            var claimed = await TakeAsync(db, id, next, leaseOwner, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return claimed;
        }
        finally
        {
            _sqliteClaims.Release();
        }
    }

    private async Task<ClaimedJob?> ClaimPostgresAsync(string leaseOwner, Guid? only, IReadOnlyCollection<PackOffer>? offers, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        // The fair order depends on who was served last, so a plan read while another claim is in flight is stale: a
        // claimer delayed between reading it and locking a row would serve an owner twice in a row. Claims take turns
        // (a claim is a few milliseconds, once per video); the lock goes with the transaction, after its commit, so
        // the next claimer's plan sees this claim.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ClaimLockKey})", ct).ConfigureAwait(false);
        var planned = only is { } one ? [one] : await RunnableAsync(db, offers, ct).ConfigureAwait(false);
        if (planned.Length == 0) return null;
        // The first job in fair order that is still waiting; a row a web node is changing (a cancel, a delete) is
        // skipped rather than waited for.
        var ids = await db.Database.SqlQuery<Guid>($"""
            SELECT "Id" AS "Value" FROM "Generations" WHERE "Id" = ANY({planned}) AND "Status" = 'Queued'
            ORDER BY array_position({planned}, "Id") LIMIT 1 FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct).ConfigureAwait(false);
        if (ids.Count == 0) return null;
        var next = await db.Database.SqlQuery<long>($"""SELECT nextval('"ClaimSeq"') AS "Value" """).SingleAsync(ct).ConfigureAwait(false);
        var claimed = await TakeAsync(db, ids[0], next, leaseOwner, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return claimed;
    }

    /// <summary>The waiting jobs in fair order, less those whose pack this worker does not offer (none when offers is null).</summary>
    private static async Task<Guid[]> RunnableAsync(GalleryDbContext db, IReadOnlyCollection<PackOffer>? offers, CancellationToken ct)
    {
        var planned = (await QueuePlan.LoadAsync(db, ct).ConfigureAwait(false)).PlannedOrder().ToArray();
        if (offers is null || planned.Length == 0) return planned;
        var packs = await db.Jobs.Where(g => g.Status == JobStatus.Queued)
            .Select(g => new { g.Id, g.ModelName, g.ModelHash }).ToDictionaryAsync(g => g.Id, ct).ConfigureAwait(false);
        var offered = offers.ToHashSet();
        return [.. planned.Where(id => packs.TryGetValue(id, out var job) && offered.Contains(new PackOffer(job.ModelName, job.ModelHash)))];
    }

    private async Task<ClaimedJob?> TakeAsync(GalleryDbContext db, Guid id, long claimSeq, string leaseOwner, CancellationToken ct)
    {
        var started = time.GetUtcNow().UtcDateTime;
        var until = Now + options.Value.Queue.LeaseDuration;
        var changed = await db.Jobs.Where(g => g.Id == id && g.Status == JobStatus.Queued).ExecuteUpdateAsync(set => set
            .SetProperty(g => g.Status, JobStatus.Running)
            .SetProperty(g => g.StartedUtc, started)
            .SetProperty(g => g.Error, (string?)null)
            .SetProperty(g => g.ClaimSeq, claimSeq)
            .SetProperty(g => g.Attempt, g => g.Attempt + 1)
            .SetProperty(g => g.LeaseOwner, leaseOwner)
            .SetProperty(g => g.LeaseUntil, until)
            .SetProperty(g => g.CancelRequested, false), ct).ConfigureAwait(false);
        if (changed == 0) return null;
        var attempt = await db.Jobs.Where(g => g.Id == id).Select(g => g.Attempt).SingleAsync(ct).ConfigureAwait(false);
        Log.Claimed(logger, id, attempt, leaseOwner);
        return new ClaimedJob(id, attempt, leaseOwner);
    }

    /// <summary>The heartbeat: extends this attempt's lease, and says whether it still holds it and whether a cancel is asked.</summary>
    public async Task<LeaseRenewal> RenewAsync(ClaimedJob job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var until = Now + options.Value.Queue.LeaseDuration;
        var mine = db.Jobs.Where(g => g.Id == job.Id && g.Attempt == job.Attempt && g.Status == JobStatus.Running);
        if (await mine.ExecuteUpdateAsync(set => set.SetProperty(g => g.LeaseUntil, until), ct).ConfigureAwait(false) == 0) return LeaseRenewal.Lost;
        return await mine.AnyAsync(g => g.CancelRequested, ct).ConfigureAwait(false) ? LeaseRenewal.CancelRequested : LeaseRenewal.Renewed;
    }

    /// <summary>
    /// Records a run's outcome on its row (status, error, finish time and, after a success, what the run measured) if
    /// this attempt still holds the job. This is the fence: a success's files move from the attempt's folder into the
    /// job's (and every other attempt's folder is removed) only while the row is held for this attempt, before the
    /// outcome is committed. The outputs of a run that did not succeed are removed, and so is the folder of a job
    /// deleted while it ran. The lease owner stays: which worker ran the job.
    /// </summary>
    /// <param name="job">The row as the run read it when it started (its media folder and input file).</param>
    /// <returns>False when the lease was lost meanwhile: a newer attempt owns the row and the job's files, nothing was
    /// written and only this attempt's folder was removed.</returns>
    public async Task<bool> FinishAsync(ClaimedJob claimed, Job job, JobStatus outcome, string? error, SvdResult? result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(job);
        // The attempt's folder is this run's alone whoever holds the row, and on a full disk removing it first frees
        // the space the outcome's write needs.
        if (outcome != JobStatus.Succeeded) media.DeleteAttempt(job.MediaFolder, claimed.Attempt);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (await FenceAsync(db, claimed, ct).ConfigureAwait(false) is not { } row)
        {
            await transaction.RollbackAsync(ct).ConfigureAwait(false);
            // Deleted while running: nothing to record, and no files may stay behind.
            return await LoseFenceAsync(db, claimed, job, ct).ConfigureAwait(false);
        }
        row.Status = outcome;
        row.Error = error;
        row.FinishedUtc = time.GetUtcNow().UtcDateTime;
        if (result is not null)
        {
            row.Provider = result.Provider.ToString();
            row.DurationSeconds = (row.FinishedUtc - row.StartedUtc)?.TotalSeconds;
            row.SecondsPerStep = result.Timings.UNetSteps.Count > 0 ? result.Timings.UNetSteps.Average(t => t.TotalSeconds) : null;
            row.VideoCount = result.Videos.Count;
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        if (outcome == JobStatus.Succeeded) media.PromoteAttempt(job.MediaFolder, claimed.Attempt);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Puts a job this worker runs back at its place in line (its QueueOrder and PinRank are kept) because this host is
    /// stopping normally (SIGTERM, a deploy): nothing went wrong with the job, so, unlike a lease taken back, the
    /// attempt is not counted as lost and the job is never Interrupted for it; another worker or the next start runs it
    /// from its input alone. Fenced as <see cref="FinishAsync"/> is: this attempt's folder is removed whatever the row
    /// says, and the row changes only while this attempt holds it.
    /// </summary>
    /// <param name="job">The row as the run read it when it started (its media folder).</param>
    /// <returns>Whether the job went back to the queue (false: it was no longer this attempt's, or it was deleted and
    /// its folder is gone).</returns>
    public async Task<bool> ReturnToQueueAsync(ClaimedJob claimed, Job job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(job);
        media.DeleteAttempt(job.MediaFolder, claimed.Attempt);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (await FenceAsync(db, claimed, ct).ConfigureAwait(false) is not { } row)
        {
            await transaction.RollbackAsync(ct).ConfigureAwait(false);
            await LoseFenceAsync(db, claimed, job, ct).ConfigureAwait(false);
            return false;
        }
        row.Status = JobStatus.Queued;
        row.StartedUtc = null;
        row.Error = null;
        row.LeaseOwner = null;
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Holds the row for this attempt until the transaction ends, or null when the attempt no longer holds it. The
    /// update names the attempt and takes the row's lock (PostgreSQL) or the database's write lock (SQLite), so a
    /// requeue, a claim or a delete waits for this attempt's outcome rather than slipping between its check and its
    /// files; clearing the lease is part of every outcome.
    /// </summary>
    private static async Task<Job?> FenceAsync(GalleryDbContext db, ClaimedJob claimed, CancellationToken ct)
    {
        var held = await db.Jobs.Where(g => g.Id == claimed.Id && g.Attempt == claimed.Attempt && g.Status == JobStatus.Running)
            .ExecuteUpdateAsync(set => set.SetProperty(g => g.LeaseUntil, (DateTime?)null), ct).ConfigureAwait(false);
        return held == 0 ? null : await db.Jobs.SingleAsync(g => g.Id == claimed.Id, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The attempt lost the row: only its own folder goes, or the whole folder of a job deleted while it ran.
    /// </summary>
    /// <returns>True when the job was deleted, false when another attempt holds it.</returns>
    private async Task<bool> LoseFenceAsync(GalleryDbContext db, ClaimedJob claimed, Job job, CancellationToken ct)
    {
        if (await db.Jobs.AnyAsync(g => g.Id == claimed.Id, ct).ConfigureAwait(false))
        {
            media.DeleteAttempt(job.MediaFolder, claimed.Attempt);
            return false;
        }
        media.DeleteFolder(job.MediaFolder);
        return true;
    }

    /// <summary>
    /// Takes back jobs whose worker stopped renewing (killed, host lost, network cut): each goes back to its place in
    /// line (its QueueOrder and PinRank are kept) to run again elsewhere, or, after SvdWeb:Queue:MaxLostAttempts
    /// lost attempts, is Interrupted as a job running when the server stopped is. The update names the attempt it
    /// found, so a worker that renews at the same moment keeps its job.
    /// </summary>
    /// <returns>How many jobs were taken back.</returns>
    public async Task<int> RequeueExpiredAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var now = Now;
        var expired = await db.Jobs.AsNoTracking()
            .Where(g => g.Status == JobStatus.Running && (g.LeaseUntil == null || g.LeaseUntil < now))
            .Select(g => new { g.Id, g.Attempt, g.LostAttempts, g.LeaseOwner, g.MediaFolder }).ToListAsync(ct).ConfigureAwait(false);
        var taken = 0;
        foreach (var job in expired)
        {
            var row = db.Jobs.Where(g => g.Id == job.Id && g.Attempt == job.Attempt && g.Status == JobStatus.Running
                && (g.LeaseUntil == null || g.LeaseUntil < now));
            var giveUp = job.LostAttempts + 1 >= options.Value.Queue.MaxLostAttempts;
            var changed = giveUp
                ? await row.ExecuteUpdateAsync(set => set
                    .SetProperty(g => g.Status, JobStatus.Interrupted).SetProperty(g => g.Error, JobRunner.InterruptedMessage)
                    .SetProperty(g => g.FinishedUtc, time.GetUtcNow().UtcDateTime).SetProperty(g => g.LostAttempts, g => g.LostAttempts + 1)
                    .SetProperty(g => g.LeaseOwner, (string?)null).SetProperty(g => g.LeaseUntil, (DateTime?)null), ct).ConfigureAwait(false)
                : await row.ExecuteUpdateAsync(set => set
                    .SetProperty(g => g.Status, JobStatus.Queued).SetProperty(g => g.StartedUtc, (DateTime?)null)
                    .SetProperty(g => g.LostAttempts, g => g.LostAttempts + 1)
                    .SetProperty(g => g.LeaseOwner, (string?)null).SetProperty(g => g.LeaseUntil, (DateTime?)null), ct).ConfigureAwait(false);
            if (changed == 0) continue;
            taken++;
            // The lost attempt's half-written outputs, in its own folder; the next attempt writes its own from the start.
            // The job's folder itself is left alone: only a fenced outcome writes there.
            media.DeleteAttempt(job.MediaFolder, job.Attempt);
            Log.LeaseExpired(logger, job.Id, job.Attempt, job.LeaseOwner ?? "?", giveUp ? "interrupted" : "queued again");
        }
        return taken;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Job {JobId} attempt {Attempt} claimed by {LeaseOwner}.")]
        public static partial void Claimed(ILogger logger, Guid jobId, int attempt, string leaseOwner);

        [LoggerMessage(2, LogLevel.Warning, "Job {JobId} attempt {Attempt}: the lease of {LeaseOwner} expired (worker stopped, host lost or network cut); the job is {Outcome}.")]
        public static partial void LeaseExpired(ILogger logger, Guid jobId, int attempt, string leaseOwner, string outcome);
    }
}
