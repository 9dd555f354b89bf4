using Microsoft.EntityFrameworkCore;
using SvdWeb.Gallery;

namespace SvdWeb.Jobs;

/// <summary>
/// The queue as the rows say it is: the Queued rows at their stored places (QueueOrder, PinRank) and each owner's last
/// serve (their highest ClaimSeq), put into a <see cref="JobQueue"/>, whose rules decide what runs next. Read
/// afresh for every claim, move and queue page, so no process holds a copy that could go stale or need restoring.
/// </summary>
public static class QueuePlan
{
    public static async Task<JobQueue> LoadAsync(GalleryDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var queue = new JobQueue();
        var served = await db.Jobs.Where(g => g.ClaimSeq != null).GroupBy(g => g.OwnerId)
            .Select(g => new { Owner = g.Key, Last = g.Max(x => x.ClaimSeq) }).ToListAsync(ct).ConfigureAwait(false);
        queue.RestoreServedOrder(served.OrderBy(s => s.Last).Select(s => s.Owner));
        // Rows queued before QueueOrder existed share 0 and keep their submission order.
        var waiting = await db.Jobs.Where(g => g.Status == JobStatus.Queued).OrderBy(g => g.QueueOrder).ThenBy(g => g.CreatedUtc)
            .Select(g => new { g.Id, g.OwnerId, g.QueueOrder, g.PinRank }).ToListAsync(ct).ConfigureAwait(false);
        foreach (var job in waiting) queue.Enqueue(job.Id, job.OwnerId, job.QueueOrder, job.PinRank);
        return queue;
    }

    /// <summary>The order number for a job about to be stored as Queued: after every job stored so far.</summary>
    public static async Task<long> NextOrderAsync(GalleryDbContext db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return (await db.Jobs.MaxAsync(g => (long?)g.QueueOrder, ct).ConfigureAwait(false) ?? 0) + 1;
    }
}
