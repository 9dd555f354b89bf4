using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Packs;
using SvdWeb.Options;

namespace SvdWeb.Jobs;

/// <summary>
/// What each worker offers (<see cref="WorkerOffer"/> rows): a worker publishes its packs and their hashes while it
/// polls, claims only jobs among them, and a web node explains a waiting job that no live worker can run. Only on
/// PostgreSQL: a SQLite process is the one worker host, so a job whose pack it lacks or changed fails with that
/// reason (as on a single machine always) instead of waiting for a worker that cannot come.
/// </summary>
public sealed class WorkerRegistry(IDbContextFactory<GalleryDbContext> dbFactory, PackCatalog catalog, IOptions<SvdWebOptions> options)
{
    // Heartbeats are wall-clock times compared across hosts, like leases.
    private static DateTime Now => TimeProvider.System.GetUtcNow().UtcDateTime;

    public bool PackAware => options.Value.Database.Provider == DatabaseProvider.Postgres;

    /// <summary>The valid packs in this process's models folder with their hashes (cached by the catalog until a file changes).</summary>
    public async Task<IReadOnlyList<PackOffer>> LocalOffersAsync(CancellationToken ct)
    {
        var offers = new List<PackOffer>();
        foreach (var entry in catalog.List())
            if (entry.Pack is { } pack) offers.Add(new PackOffer(entry.Name, await catalog.GetHashAsync(pack, ct).ConfigureAwait(false)));
        return offers;
    }

    /// <summary>Records (or refreshes) this worker's offer and heartbeat.</summary>
    public async Task PublishAsync(string workerName, IReadOnlyCollection<PackOffer> offers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(offers);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var packs = PackOffer.Format(offers);
        var now = Now;
        if (await db.Workers.Where(w => w.Name == workerName).ExecuteUpdateAsync(set => set
                .SetProperty(w => w.Packs, packs).SetProperty(w => w.HeartbeatUtc, now), ct).ConfigureAwait(false) > 0)
            return;
        db.Workers.Add(new WorkerOffer { Name = workerName, Packs = packs, HeartbeatUtc = now });
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another call for this worker inserted the row first; its heartbeat is as fresh.
        }
    }

    /// <summary>
    /// Why a waiting job runs nowhere: no live worker (heartbeat within a lease, or holding a lease now, which a
    /// worker busy with a long run does instead of polling) has its pack with its hash. Null when one has, or when
    /// claims are not pack-aware.
    /// </summary>
    public async Task<string?> WhyWaitingAsync(Job job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!PackAware || job.Status != JobStatus.Queued) return null;
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var now = Now;
        var since = now - options.Value.Queue.LeaseDuration;
        var leasing = db.Jobs.Where(g => g.Status == JobStatus.Running && g.LeaseUntil > now).Select(g => g.LeaseOwner);
        var live = await db.Workers.AsNoTracking().Where(w => w.HeartbeatUtc > since || leasing.Contains(w.Name))
            .Select(w => w.Packs).ToListAsync(ct).ConfigureAwait(false);
        if (live.SelectMany(PackOffer.Parse).Any(o => o.Name == job.ModelName && o.Hash == job.ModelHash)) return null;
        var hash = job.ModelHash.Length > 12 ? job.ModelHash[..12] + "…" : job.ModelHash;
        return live.Count == 0
            ? $"No worker is running, so this job waits. Start a worker (SvdWeb:Role worker or all) that has pack {job.ModelName} with hash {hash} in its models folder."
            : $"No worker has pack {job.ModelName} with hash {hash}; add the pack to a worker's models folder (the same files, so the hash matches) and it runs there.";
    }
}
