using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Jobs;

/// <summary>
/// One worker per configured device (SvdWeb:Devices), each claiming the next queued job from the database
/// (<see cref="JobClaims"/>): at once when this process queued one (<see cref="QueueSignal"/>), else every
/// SvdWeb:Queue:PollInterval, when it also takes back jobs whose worker elsewhere stopped renewing their lease. On
/// PostgreSQL it claims only jobs for packs it has (<see cref="WorkerRegistry"/>).
/// JobRunner records every outcome on the job's row, so only host shutdown ends this loop; an unexpected exception
/// (the database restarting, say) is logged and the worker keeps serving.
/// </summary>
public sealed partial class JobWorker(string device, JobClaims claims, WorkerRegistry registry, QueueSignal signal, IJobRunner runner, IOptions<SvdWebOptions> options, ILogger<JobWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Started(logger, device);
        var leaseOwner = JobClaims.WorkerName(device);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ClaimedJob? job = null;
                try
                {
                    job = await ClaimAsync(leaseOwner, stoppingToken).ConfigureAwait(false);
                    if (job is not null) await runner.RunAsync(job, device, stoppingToken).ConfigureAwait(false);
                    else if (!await signal.WaitAsync(options.Value.Queue.PollInterval, stoppingToken).ConfigureAwait(false))
                        await claims.RequeueExpiredAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (job is null) Log.ClaimFailed(logger, ex);
                    else Log.JobCrashed(logger, job.Id, ex);
                    await Task.Delay(options.Value.Queue.PollInterval, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown: JobRunner already put a running job back in the queue.
        }
    }

    /// <summary>On several hosts, only a job whose pack this worker has with the same files; the offer is published as the heartbeat.</summary>
    private async Task<ClaimedJob?> ClaimAsync(string leaseOwner, CancellationToken ct)
    {
        if (!registry.PackAware) return await claims.ClaimNextAsync(leaseOwner, ct).ConfigureAwait(false);
        var offers = await registry.LocalOffersAsync(ct).ConfigureAwait(false);
        await registry.PublishAsync(leaseOwner, offers, ct).ConfigureAwait(false);
        return await claims.ClaimNextAsync(leaseOwner, offers, ct).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job worker for device {Device} started.")]
        public static partial void Started(ILogger logger, string device);

        [LoggerMessage(2, LogLevel.Error, "Job {JobId} failed unexpectedly; the worker goes on with the next job.")]
        public static partial void JobCrashed(ILogger logger, Guid jobId, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Could not claim a job from the database; trying again.")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);
    }
}
