using System.Diagnostics;
using SvdWeb.Inference.Memory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Files;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Video;
using SvdWeb.Devices;
using SvdWeb.Packs;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// Runs one queued job end to end and records the outcome on its row: Succeeded with its files, or Failed with the
/// message the user sees, or Cancelled (the user asked). When the host stops normally (SIGTERM, a deploy) the job goes
/// back to its place in the queue instead, for another worker or the next start. The run writes into its attempt's own
/// folder, which becomes the job's outputs only when its outcome is recorded (README "Several GPU hosts"); outputs of
/// a run that did not succeed are removed, the input is kept, so the job can be retried and nothing half-written is
/// shown.
/// </summary>
public sealed partial class JobRunner(
    IDbContextFactory<GalleryDbContext> dbFactory,
    JobClaims claims,
    RunningJobs runningJobs,
    PackCatalog catalog,
    PipelineCache pipelines,
    GpuMemoryGuard memory,
    MediaStore media,
    JobProgressBroadcaster broadcaster,
    IOptions<SvdWebOptions> options,
    ILogger<JobRunner> logger) : IJobRunner
{
    public const string InterruptedMessage = "The server stopped while this job was running. Its settings are kept: retry it.";

    /// <summary>Claims this job if it is waiting and runs it here (tools and tests; workers claim with <see cref="JobClaims.ClaimNextAsync"/>).</summary>
    public async Task RunAsync(Guid jobId, string device, CancellationToken stoppingToken)
    {
        // Cancelled or deleted while it waited, or taken by another worker.
        if (await claims.ClaimAsync(jobId, JobClaims.WorkerName(device), stoppingToken).ConfigureAwait(false) is not { } claimed) return;
        await RunAsync(claimed, device, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a claimed job while renewing its lease; every write names the claim's attempt, so if the lease is lost
    /// (this worker stalled past it and the job went back to the queue) this run stops and records nothing.
    /// </summary>
    public async Task RunAsync(ClaimedJob claimed, string device, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        var jobId = claimed.Id;
        Job? job;
        await using (var db = await dbFactory.CreateDbContextAsync(stoppingToken).ConfigureAwait(false))
        {
            job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == jobId, stoppingToken).ConfigureAwait(false);
            if (job is null || job.Attempt != claimed.Attempt || job.Status != JobStatus.Running) return;
        }
        Log.JobStarted(logger, jobId, job.ModelName, job.Recipe.NumFrames, job.Recipe.NumInferenceSteps, job.Recipe.Seed, device);
        broadcaster.Publish(new JobProgress(jobId, JobStatus.Running, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));

        using var running = runningJobs.Start(jobId, stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(claimed, running, heartbeatStop.Token);
        JobStatus outcome;
        string? error = null;
        SvdResult? result = null;
        try
        {
            result = await GenerateAsync(job, claimed.Attempt, device, running.Token).ConfigureAwait(false);
            outcome = JobStatus.Succeeded;
        }
        catch (OperationCanceledException) when (running.LeaseLost)
        {
            // Another attempt owns the job now: its files and its row are not this run's to touch, this attempt's
            // folder is.
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            media.DeleteAttempt(job.MediaFolder, claimed.Attempt);
            Log.LeaseLost(logger, jobId, claimed.Attempt);
            return;
        }
        catch (OperationCanceledException) when (running.CancelledByUser)
        {
            (outcome, error) = (JobStatus.Cancelled, "Cancelled.");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            try
            {
                await ReturnToQueueAsync(claimed, job).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database is away as the host stops: the lease runs out and any worker takes the job back then.
                Log.ReturnFailed(logger, jobId, ex);
            }
            return;
        }
        catch (UserFacingException ex)
        {
            (outcome, error) = (JobStatus.Failed, ex.Message);
        }
        catch (IOException ex) when (DiskFull.Is(ex))
        {
            (outcome, error) = (JobStatus.Failed, StorageFull.Message(media.DataFolder, "retry this job"));
        }
        catch (Exception ex)
        {
            Log.JobFailedUnexpectedly(logger, jobId, ex);
            (outcome, error) = (JobStatus.Failed, $"Unexpected error ({ex.GetType().Name}: {ex.Message}). Job {jobId}; see the server log.");
        }
        await heartbeatStop.CancelAsync().ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);

        // The outcome is recorded even when the host is stopping: an Interrupted job must say so.
        if (!await claims.FinishAsync(claimed, job, outcome, error, result, CancellationToken.None).ConfigureAwait(false))
        {
            Log.LeaseLost(logger, jobId, claimed.Attempt);
            return;
        }
        var last = broadcaster.Latest(jobId);
        broadcaster.Publish(new JobProgress(jobId, outcome, outcome == JobStatus.Succeeded ? SvdStage.Done : last?.Stage ?? SvdStage.Preprocessing,
            last?.Step ?? 0, last?.TotalSteps ?? 1, outcome == JobStatus.Succeeded ? 1 : last?.Fraction ?? 0, last?.ElapsedSeconds ?? 0, 0, error));
        Log.JobFinished(logger, jobId, outcome, error ?? "");
    }

    /// <summary>
    /// The host is stopping: the job goes back to Queued and this run's half-written outputs are removed (in one fenced
    /// <see cref="JobClaims.ReturnToQueueAsync"/>), so the worker that claims it next starts from the input alone, as
    /// after a lease taken back.
    /// </summary>
    private async Task ReturnToQueueAsync(ClaimedJob claimed, Job job)
    {
        // The stopping token is cancelled; these few writes must still happen, and the host waits for them.
        if (!await claims.ReturnToQueueAsync(claimed, job, CancellationToken.None).ConfigureAwait(false))
        {
            Log.LeaseLost(logger, claimed.Id, claimed.Attempt);
            return;
        }
        broadcaster.Publish(new JobProgress(claimed.Id, JobStatus.Queued, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
        Log.ReturnedToQueue(logger, claimed.Id, claimed.Attempt);
    }

    /// <summary>Renews the lease every SvdWeb:Queue:HeartbeatInterval; stops the run when the lease is lost or a cancel is asked anywhere.</summary>
    private async Task HeartbeatAsync(ClaimedJob claimed, RunningJobs.RunningJob running, CancellationToken stop)
    {
        var queueOptions = options.Value.Queue;
        var lastRenewed = TimeProvider.System.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(queueOptions.HeartbeatInterval, stop).ConfigureAwait(false);
                LeaseRenewal renewal;
                try
                {
                    renewal = await claims.RenewAsync(claimed, stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (StorageFull.Is(ex))
                {
                    // The database is there but its disk is full: no worker can write a claim either, so nobody takes
                    // the job over. The run goes on, and its end frees its outputs' space before the outcome is written.
                    Log.RenewFailed(logger, claimed.Id, ex);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database is unreachable (restarting, network cut): go on while the lease may still hold, then stop,
                    // since by then another worker may have taken the job.
                    Log.RenewFailed(logger, claimed.Id, ex);
                    if (TimeProvider.System.GetElapsedTime(lastRenewed) < queueOptions.LeaseDuration - queueOptions.HeartbeatInterval) continue;
                    renewal = LeaseRenewal.Lost;
                }
                if (renewal == LeaseRenewal.Lost)
                {
                    running.LoseLease();
                    return;
                }
                lastRenewed = TimeProvider.System.GetTimestamp();
                if (renewal == LeaseRenewal.CancelRequested) running.CancelByUser();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private async Task<SvdResult> GenerateAsync(Job job, int attempt, string device, CancellationToken ct)
    {
        if (catalog.Get(job.ModelName) is null)
        {
            throw new ModelPackException(Path.Combine(catalog.ModelsFolder, job.ModelName),
                $"model pack '{job.ModelName}' was removed from the models folder after this job was queued. Put the pack back and retry the job, or Remix it on another pack.");
        }
        var pack = catalog.Require(job.ModelName);
        var hash = await catalog.GetHashAsync(pack, ct).ConfigureAwait(false);
        if (!string.Equals(hash, job.ModelHash, StringComparison.Ordinal))
        {
            throw new ModelPackException(pack.Folder,
                $"the pack changed on disk after this job was queued (its files hashed {job.ModelHash[..12]}… then, {hash[..12]}… now), so it would not reproduce the recipe. Regenerate the item to run it on the current pack.");
        }
        // The memory options the guard picked at submit, picked again from the same inputs: the cheapest that fits, or
        // all the server allows when the owner asked for low memory.
        var memoryOptions = memory.Plan(pack, MemoryRecipe.From(job.Recipe), job.LowMemory);
        var started = Stopwatch.GetTimestamp();
        using var lease = await LoadPipelineAsync(job.Id, pack, device, memoryOptions, ct).ConfigureAwait(false);
        var pipeline = lease.Pipeline;
        var image = ImageLoader.Load(media.PathOf(job.MediaFolder, job.InputFile), options.Value.ImageLimits());
        var output = new GalleryItemOutput(media, job.MediaFolder, attempt, job.Recipe.Fps);
        var run = new VideoGenerationOptions(job.ToRecipeStamp(), options.Value.VideoCrf, new JobProgressReporter(job.Id, broadcaster, Stopwatch.GetElapsedTime(started)), Previews: true);
        return await VideoGeneration.RunAsync(pipeline, image, job.Recipe, output, run, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The pack's pipeline on the device; when it has to be loaded first (this worker's first run of the pack), the
    /// job shows the stage "loading the model" with its elapsed time, a report a second, instead of sitting at 0 %.
    /// </summary>
    private async Task<PipelineLease> LoadPipelineAsync(Guid jobId, ModelPack pack, string device, MemoryOptions memoryOptions, CancellationToken ct)
    {
        if (pipelines.IsLoaded(pack, device, memoryOptions))
            return await pipelines.GetAsync(pack, device, memoryOptions, ct).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        void Report() => broadcaster.Publish(new JobProgress(jobId, JobStatus.Running, SvdStage.LoadingModel, 0, 1, 0,
            Stopwatch.GetElapsedTime(started).TotalSeconds, null, null));
        Report();
        var loading = pipelines.GetAsync(pack, device, memoryOptions, ct);
        using var ticks = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await Task.WhenAny(loading, ticks.WaitForNextTickAsync(ct).AsTask()).ConfigureAwait(false) != loading)
        {
            ct.ThrowIfCancellationRequested();
            Report();
        }
        return await loading.ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId}: {Pack}, {Frames} frames, {Steps} steps, seed {Seed}, on device {Device}.")]
        public static partial void JobStarted(ILogger logger, Guid jobId, string pack, int frames, int steps, long seed, string device);

        [LoggerMessage(2, LogLevel.Information, "Job {JobId} ended {Status}. {Message}")]
        public static partial void JobFinished(ILogger logger, Guid jobId, JobStatus status, string message);

        [LoggerMessage(4, LogLevel.Warning, "Job {JobId} attempt {Attempt} no longer holds the job (it was deleted, or its lease expired and another worker runs it now); this run stops and records nothing.")]
        public static partial void LeaseLost(ILogger logger, Guid jobId, int attempt);

        [LoggerMessage(5, LogLevel.Warning, "Job {JobId}: could not renew its lease; retrying while the lease holds.")]
        public static partial void RenewFailed(ILogger logger, Guid jobId, Exception exception);

        [LoggerMessage(6, LogLevel.Information, "Job {JobId} attempt {Attempt}: the server is stopping, so the job went back to its place in the queue; its partial outputs were removed.")]
        public static partial void ReturnedToQueue(ILogger logger, Guid jobId, int attempt);

        [LoggerMessage(7, LogLevel.Warning, "Job {JobId}: the server is stopping but the job could not be put back in the queue; it is taken back when its lease expires.")]
        public static partial void ReturnFailed(ILogger logger, Guid jobId, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "Job {JobId} failed with an unexpected error; its settings are kept and it can be retried.")]
        public static partial void JobFailedUnexpectedly(ILogger logger, Guid jobId, Exception exception);
    }
}
