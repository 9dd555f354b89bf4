namespace SvdWeb.Jobs;

/// <summary>
/// What a <see cref="JobWorker"/> does with a job it claimed: <see cref="JobRunner"/> in the app. The queue's own cost
/// (claims, leases, outcome writes, progress between hosts) is measured with a runner that does no work in between
/// (tests/SvdWeb.Benchmarks, README "Several GPU hosts").
/// </summary>
public interface IJobRunner
{
    /// <summary>Runs a claimed job and records its outcome on the row (see <see cref="JobClaims.FinishAsync"/>).</summary>
    Task RunAsync(ClaimedJob claimed, string device, CancellationToken stoppingToken);
}
