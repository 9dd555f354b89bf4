using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Options;

namespace SvdWeb.Jobs;

/// <summary>
/// The optional daily GPU quota (SvdWeb:DailyGpuSecondsPerUser): the run time of a user's jobs within the current UTC
/// day, from each row's StartedUtc to its FinishedUtc (a running job's to now), whatever the outcome, since a failed or
/// cancelled run held the GPU too. Interrupted jobs are not counted: their end is the time of the restart that found
/// them, not when they stopped. A run across midnight counts its part in each day. Only new submissions are refused
/// once the quota is used; jobs already queued still run. Admins are exempt: they run the server.
/// </summary>
public sealed class GpuQuota(IDbContextFactory<GalleryDbContext> dbFactory, IOptions<SvdWebOptions> options, TimeProvider time)
{
    public bool IsOn => options.Value.DailyGpuSecondsPerUser > 0;

    public async Task<GpuUsage> UsageAsync(string ownerId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        var now = time.GetUtcNow().UtcDateTime;
        var dayStart = now.Date;
        var dayEnd = dayStart.AddDays(1);
        if (!IsOn) return new GpuUsage(0, 0, dayEnd);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var runs = await db.Jobs.AsNoTracking()
            .Where(g => g.OwnerId == ownerId && g.Status != JobStatus.Interrupted && g.StartedUtc != null && g.StartedUtc < dayEnd
                && (g.FinishedUtc == null || g.FinishedUtc >= dayStart))
            .Select(g => new { Started = g.StartedUtc!.Value, g.FinishedUtc, g.Status })
            .ToListAsync(ct).ConfigureAwait(false);
        var used = 0.0;
        foreach (var run in runs)
        {
            // A row started but without an end is running now (a retried row has its times cleared).
            var end = run.FinishedUtc ?? (run.Status == JobStatus.Running ? now : run.Started);
            var from = run.Started > dayStart ? run.Started : dayStart;
            var to = end < dayEnd ? end : dayEnd;
            if (to > from) used += (to - from).TotalSeconds;
        }
        return new GpuUsage(used, options.Value.DailyGpuSecondsPerUser, dayEnd);
    }

    /// <summary>Throws <see cref="GpuQuotaException"/> when a non-admin owner has used today's quota.</summary>
    public async Task EnsureAvailableAsync(JobOwner owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!IsOn || owner.IsAdmin) return;
        var usage = await UsageAsync(owner.Id, ct).ConfigureAwait(false);
        if (usage.IsExhausted) throw new GpuQuotaException(usage, time.GetUtcNow().UtcDateTime);
    }
}
