namespace SvdWeb.Jobs;

/// <summary>
/// One worker per configured device (SvdWeb:Devices), each taking the next queued job. JobRunner records every
/// outcome on the job's row, so only host shutdown ends this loop; an unexpected exception is logged and the worker
/// keeps serving.
/// </summary>
public sealed partial class GenerationWorker(string device, GenerationQueue queue, JobRunner runner, ILogger<GenerationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Log.Started(logger, device);
        try
        {
            await foreach (var jobId in queue.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await runner.RunAsync(jobId, device, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.JobCrashed(logger, jobId, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown: JobRunner already marked a running job Interrupted.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Generation worker for device {Device} started.")]
        public static partial void Started(ILogger logger, string device);

        [LoggerMessage(2, LogLevel.Error, "Job {JobId} failed unexpectedly; the worker goes on with the next job.")]
        public static partial void JobCrashed(ILogger logger, Guid jobId, Exception exception);
    }
}
