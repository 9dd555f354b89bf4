using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;

namespace SvdWeb.Tests;

/// <summary>
/// Waits on a job's progress as this process's broadcaster delivers it (a worker here, or a peer's through the
/// PostgreSQL relay), with no guess at how long anything takes. Waits for a status read the job's row, which is the
/// truth (an event may be lost between hosts), each time an event for the job arrives, and once a second regardless.
/// </summary>
internal static class ProgressWaits
{
    /// <summary>Until the job's row has <paramref name="status"/> (at most a minute).</summary>
    public static Task<Job> UntilStatusAsync(IServiceProvider services, Guid id, JobStatus status, CancellationToken ct) =>
        UntilRowAsync(services, id, row => row.Status == status, $"became {status}", TimeSpan.FromMinutes(1), ct);

    /// <summary>Until the job is neither queued nor running (at most <paramref name="minutes"/>); returns its row as it ended.</summary>
    public static Task<Job> UntilEndAsync(IServiceProvider services, Guid id, CancellationToken ct, int minutes = 2) =>
        UntilRowAsync(services, id, row => row.IsFinished, "ended", TimeSpan.FromMinutes(minutes), ct);

    private static async Task<Job> UntilRowAsync(IServiceProvider services, Guid id, Func<Job, bool> reached, string what, TimeSpan within, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        using var changed = new SemaphoreSlim(0);
        using var subscription = services.GetRequiredService<JobProgressBroadcaster>().Subscribe(id, _ => changed.Release());
        var dbFactory = services.GetRequiredService<IDbContextFactory<GalleryDbContext>>();
        while (true)
        {
            Job row;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
                row = await db.Jobs.AsNoTracking().SingleAsync(g => g.Id == id, ct);
            if (reached(row)) return row;
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"Job {id} never {what} within {within.TotalMinutes:0} minute(s); it is {row.Status}.");
            await changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct);
        }
    }

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
