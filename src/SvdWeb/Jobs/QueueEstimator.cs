using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Options;

namespace SvdWeb.Jobs;

/// <summary>
/// Positions and ETAs for the queue page and the API, from measured step times: the latest finished job on the same
/// pack gives seconds per UNet step, scaled by the UNet's work (batch × frames × pixels, doubled with guidance),
/// plus a decode allowance. Waiting jobs are listed in the queue's fair (round-robin) order, one per worker.
/// </summary>
public sealed class QueueEstimator(IDbContextFactory<GalleryDbContext> dbFactory, JobProgressBroadcaster broadcaster, IOptions<SvdWebOptions> options)
{
    // Decoding, video encoding and previews, as a share of the denoising time (measured on the tiny pack and
    // published SVD-XT figures: decode ≈ 15 % of UNet time).
    private const double OverheadShare = 0.2;

    public async Task<IReadOnlyList<QueueEntry>> SnapshotAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var rows = await db.Jobs.AsNoTracking()
            .Where(g => g.Status == JobStatus.Running || g.Status == JobStatus.Queued)
            .OrderBy(g => g.CreatedUtc)
            .ToListAsync(ct).ConfigureAwait(false);
        var planned = (await QueuePlan.LoadAsync(db, ct).ConfigureAwait(false)).PlannedOrder().Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var active = rows.OrderBy(g => g.Status == JobStatus.Running ? 0 : 1)
            .ThenBy(g => planned.GetValueOrDefault(g.Id, int.MaxValue))
            .ToList();
        var packs = active.Select(g => g.ModelName).Distinct().ToArray();
        var reference = (await db.Jobs.AsNoTracking()
                .Where(g => g.Status == JobStatus.Succeeded && g.SecondsPerStep != null && packs.Contains(g.ModelName))
                .OrderByDescending(g => g.FinishedUtc)
                .Take(50)
                .ToListAsync(ct).ConfigureAwait(false))
            .GroupBy(g => g.ModelName)
            .ToDictionary(g => g.Key, g => g.First());

        var workers = Math.Max(1, options.Value.WorkerDevices.Count);
        var lanes = new double[workers];
        var entries = new List<QueueEntry>(active.Count);
        var position = 0;
        var unknown = false;
        foreach (var job in active)
        {
            var seconds = Estimate(job, reference.GetValueOrDefault(job.ModelName));
            if (job.Status == JobStatus.Running && seconds is { } total && broadcaster.Latest(job.Id) is { } progress)
                seconds = progress.RemainingSeconds ?? total * (1 - progress.Fraction);
            // Each job goes to the worker that frees up first.
            var lane = Array.IndexOf(lanes, lanes.Min());
            unknown |= seconds is null;
            lanes[lane] += seconds ?? 0;
            entries.Add(new QueueEntry(job, job.Status == JobStatus.Running ? 0 : ++position, unknown ? null : lanes[lane]));
        }
        return entries;
    }

    public static double? Estimate(Job job, Job? reference)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (reference?.SecondsPerStep is not { } perStep) return null;
        var ratio = Work(job) / Work(reference);
        return perStep * ratio * job.Recipe.NumInferenceSteps * (1 + OverheadShare);
    }

    private static double Work(Job g) =>
        (double)g.Recipe.NumVideosPerPrompt * (g.Recipe.MaxGuidanceScale > 1 ? 2 : 1) * g.Recipe.NumFrames * g.Recipe.Height * g.Recipe.Width;
}
