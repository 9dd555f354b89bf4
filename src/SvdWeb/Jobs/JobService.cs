using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Sweeps;
using SvdWeb.Devices;
using SvdWeb.Packs;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Jobs;

/// <summary>
/// What the UI and the REST API do with jobs: submit, regenerate, retry, cancel, delete. Every input is checked with
/// the pipeline's own rules (so the messages are the same everywhere) before anything is stored; a job is stored as
/// a row with its input file; the Queued rows are the queue (QueueOrder, PinRank; see <see cref="QueuePlan"/>), which
/// workers in any process claim from (<see cref="JobClaims"/>).
/// </summary>
public sealed partial class JobService(
    IDbContextFactory<GalleryDbContext> dbFactory,
    QueueSignal signal,
    RunningJobs running,
    PackCatalog catalog,
    GpuMemoryGuard memory,
    MediaStore media,
    JobProgressBroadcaster broadcaster,
    ProgressFollowers followers,
    GpuQuota quota,
    FfmpegStatus ffmpeg,
    IOptions<SvdWebOptions> options,
    TimeProvider time,
    ILogger<JobService> logger)
{
    public const string InputFile = "input.png";

    // Each decode may hold up to MaxUploadPixels of pixels several times over (decoder, RGB copy, stored PNG); a few at
    // a time bounds what a burst of uploads costs, whatever the number of people uploading.
    private const int ConcurrentDecodes = 2;

    private readonly SemaphoreSlim _admission = new(1, 1);
    private readonly SemaphoreSlim _decodes = new(ConcurrentDecodes, ConcurrentDecodes);
    // A move reads the places, then writes them; one at a time, so two moves never write from the same reading.
    private readonly SemaphoreSlim _moves = new(1, 1);

    public ImageLimits Limits => options.Value.ImageLimits();

    /// <summary>Reads an upload (stopping at the size limit), decodes and checks it: the image the pipeline will see.</summary>
    public async Task<RgbImage> ReadImageAsync(Stream upload, string fileName, CancellationToken ct)
    {
        // Read outside the decode slots: a slow upload must not hold one while others wait to decode.
        using var buffer = await ImageLoader.BufferAsync(upload, Limits, DisplayName(fileName), ct).ConfigureAwait(false);
        await _decodes.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return ImageLoader.Load(buffer, Limits, DisplayName(fileName));
        }
        finally
        {
            _decodes.Release();
        }
    }

    /// <param name="lowMemory">The owner's "low memory" choice: run with every memory option the server allows (model CPU
    /// offload, forward chunking), whatever the estimate says; the frames are the same, the run slower.</param>
    /// <param name="draft">Queue a draft: the same recipe with the pack's draft steps (<see cref="ModelPack.DraftStepsFor"/>),
    /// remembering the recipe's own steps for its final (<see cref="MakeFinalAsync"/>).</param>
    public async Task<Job> SubmitAsync(Stream upload, string fileName, SvdRecipe recipe, JobOwner owner, CancellationToken ct, Guid? sourceId = null,
        bool lowMemory = false, bool draft = false)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        // Before the upload is decoded: someone over a limit must not get to spend the server's memory on decoding.
        await EnsureAdmissibleAsync(owner, ct).ConfigureAwait(false);
        var image = await ReadImageAsync(upload, fileName, ct).ConfigureAwait(false);
        int? finalSteps = null;
        if (draft)
        {
            finalSteps = recipe.NumInferenceSteps;
            recipe = recipe with { NumInferenceSteps = catalog.Require(recipe.Model).DraftStepsFor(recipe.NumInferenceSteps) };
        }
        return await EnqueueAsync(image, DisplayName(fileName), recipe, owner, sourceId, lowMemory, finalSteps, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// What a new job of this owner must pass whatever it asks for: ffmpeg is installed, their daily GPU quota is not
    /// used, and neither the queue nor their own waiting jobs are at the limit. Checked before an upload is read or
    /// decoded, and again when the job is admitted (others may have queued in between).
    /// </summary>
    /// <param name="adding">How many jobs the submission queues at once (a sweep's cells): all must fit, or none is queued.</param>
    public async Task EnsureAdmissibleAsync(JobOwner owner, CancellationToken ct, int adding = 1)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ffmpeg.EnsureAvailable();
        await quota.EnsureAvailableAsync(owner, ct).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await EnsureQueueRoomAsync(db, owner.Id, ct, adding).ConfigureAwait(false);
    }

    private async Task EnsureQueueRoomAsync(GalleryDbContext db, string ownerId, CancellationToken ct, int adding = 1)
    {
        var waiting = await db.Jobs.CountAsync(g => g.Status == JobStatus.Queued, ct).ConfigureAwait(false);
        if (waiting + adding > options.Value.MaxQueuedJobs) throw new QueueFullException(waiting, adding, options.Value.MaxQueuedJobs);
        var mine = await db.Jobs.CountAsync(g => g.Status == JobStatus.Queued && g.OwnerId == ownerId, ct).ConfigureAwait(false);
        if (mine + adding > options.Value.MaxQueuedJobsPerUser) throw new UserQueueLimitException(mine, options.Value.MaxQueuedJobsPerUser, adding);
    }

    /// <summary>
    /// The checks that depend on the recipe, the same for a new job and a retry: the pack exists, is valid and its
    /// license accepted, every parameter is in range, the fitted image is large enough, and it fits in GPU memory.
    /// </summary>
    /// <returns>The pack and the recipe with the pack's defaults filled in.</returns>
    private (ModelPack Pack, ResolvedRecipe Resolved) CheckRecipe(SvdRecipe recipe, int imageWidth, int imageHeight)
    {
        var pack = catalog.Require(recipe.Model);
        if (!catalog.Administration.IsLicenseAccepted(pack))
            throw new PackLicenseNotAcceptedException(pack.Name, pack.License!.FileName);
        var resolved = recipe.Resolve(pack);
        var (fittedWidth, fittedHeight) = ImageFit.SizeOf(imageWidth, imageHeight, resolved.Width, resolved.Height, resolved.Fit);
        if (fittedWidth < ImageLimits.InputMinSide || fittedHeight < ImageLimits.InputMinSide)
            throw new SvdInputException("fit", $"Cropping the {imageWidth}x{imageHeight} image to {resolved.Width}x{resolved.Height} leaves {fittedWidth}x{fittedHeight} pixels; at least {ImageLimits.InputMinSide} a side are needed. Choose stretch or pad, or an output closer to the image's shape.");
        // Refused here, not when a worker runs out of memory minutes later in the queue.
        memory.EnsureFits(pack, MemoryRecipe.From(resolved));
        return (pack, resolved);
    }

    /// <summary>The same recipe and input again (a regenerate gives identical frames on the same pack and provider), with
    /// the source's "low memory" choice unless <paramref name="lowMemory"/> says otherwise. A draft's regenerate is a
    /// draft again, with the same final.</summary>
    public async Task<Job> RegenerateAsync(Guid sourceId, JobOwner owner, CancellationToken ct, Func<SvdRecipe, SvdRecipe>? change = null, bool? lowMemory = null)
    {
        var source = await FindAsync(sourceId, ct).ConfigureAwait(false)
            ?? throw new SvdInputException("id", $"There is no gallery item {sourceId}.");
        var recipe = source.ToRecipe();
        return await EnqueueFromAsync(source, change is null ? recipe : change(recipe), owner, lowMemory ?? source.LowMemory, source.FinalInferenceSteps, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues the final of a draft: a new job with the draft's input, seed and every setting, at the step count the draft
    /// was made for. It passes the same checks as any job (memory, queue limits, quota, ffmpeg); the caller checks that
    /// the requester may change the draft.
    /// </summary>
    /// <exception cref="NotADraftException">The job is not a draft.</exception>
    public async Task<Job> MakeFinalAsync(Guid draftId, JobOwner owner, CancellationToken ct)
    {
        var draft = await FindAsync(draftId, ct).ConfigureAwait(false)
            ?? throw new SvdInputException("id", $"There is no gallery item {draftId}.");
        if (draft.FinalInferenceSteps is not { } steps) throw new NotADraftException(draftId);
        return await EnqueueFromAsync(draft, draft.ToRecipe() with { NumInferenceSteps = steps }, owner, draft.LowMemory, finalSteps: null, ct).ConfigureAwait(false);
    }

    private async Task<Job> EnqueueFromAsync(Job source, SvdRecipe recipe, JobOwner owner, bool lowMemory, int? finalSteps, CancellationToken ct)
    {
        var image = ImageLoader.Load(media.PathOf(source.MediaFolder, source.InputFile), Limits);
        return await EnqueueAsync(image, source.InputFileName, recipe, owner, source.Id, lowMemory, finalSteps, ct).ConfigureAwait(false);
    }

    /// <param name="finalSteps">Set for a draft (<paramref name="recipe"/> has its draft steps already): the steps of its final.</param>
    private async Task<Job> EnqueueAsync(RgbImage image, string displayName, SvdRecipe recipe, JobOwner owner, Guid? sourceId, bool lowMemory, int? finalSteps, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(owner);
        var (pack, resolved) = CheckRecipe(recipe, image.Width, image.Height);
        var hash = await catalog.GetHashAsync(pack, ct).ConfigureAwait(false);

        var id = Guid.NewGuid();
        var folder = MediaStore.FolderName(id);
        // The input is stored as the decoded RGB image (EXIF orientation applied, alpha dropped) in lossless PNG: what
        // the pipeline saw, reproducible whatever decoder reads it later.
        var png = PreviewRenderer.ToPng(image);

        // Counting the queue and adding to it is one step: concurrent submissions must not all pass the limit.
        await _admission.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await AdmitAsync(id, folder, png, image, displayName, pack, hash, resolved, owner, sourceId, lowMemory, finalSteps, ct).ConfigureAwait(false);
        }
        finally
        {
            _admission.Release();
        }
    }

    private async Task<Job> AdmitAsync(Guid id, string folder, byte[] png, RgbImage image, string displayName, ModelPack pack, string hash,
        ResolvedRecipe resolved, JobOwner owner, Guid? sourceId, bool lowMemory, int? finalSteps, CancellationToken ct)
    {
        ffmpeg.EnsureAvailable();
        await quota.EnsureAvailableAsync(owner, ct).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await EnsureQueueRoomAsync(db, owner.Id, ct).ConfigureAwait(false);

        try
        {
            await media.WriteAtomicallyAsync(folder, InputFile, (s, token) => s.WriteAsync(png, token).AsTask(), ct).ConfigureAwait(false);
        }
        catch
        {
            // A refused write (a full disk) must not leave an empty folder that no row owns.
            media.DeleteFolder(folder);
            throw;
        }
        var order = await QueuePlan.NextOrderAsync(db, ct).ConfigureAwait(false);
        var job = NewJob(id, folder, order, png, image, displayName, pack, hash, resolved, owner, sourceId, lowMemory, finalSteps);
        db.Jobs.Add(job);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            media.DeleteFolder(folder);
            throw;
        }
        signal.Pulse();
        broadcaster.Publish(new JobProgress(id, JobStatus.Queued, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
        if (finalSteps is { } final) Log.QueuedDraft(logger, id, pack.Name, job.Recipe.Seed, job.Recipe.NumInferenceSteps, final);
        else Log.Queued(logger, id, pack.Name, job.Recipe.Seed);
        return job;
    }

    private Job NewJob(Guid id, string folder, long order, byte[] png, RgbImage image, string displayName, ModelPack pack, string hash,
        ResolvedRecipe resolved, JobOwner owner, Guid? sourceId, bool lowMemory, int? finalSteps, Guid? sweepId = null, int? sweepRow = null, int? sweepColumn = null) =>
        new()
        {
            QueueOrder = order,
            Id = id,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
            Status = JobStatus.Queued,
            SourceId = sourceId,
            OwnerId = owner.Id,
            OwnerName = owner.Name,
            ModelName = pack.Name,
            ModelHash = hash,
            Recipe = resolved,
            LowMemory = lowMemory,
            FinalInferenceSteps = finalSteps,
            MediaFolder = folder,
            InputFileName = displayName,
            InputFile = InputFile,
            InputSha256 = Convert.ToHexStringLower(SHA256.HashData(png)),
            InputWidth = image.Width,
            InputHeight = image.Height,
            SweepId = sweepId,
            SweepRow = sweepRow,
            SweepColumn = sweepColumn,
        };

    /// <summary>
    /// Queues a sweep (README, "Sweeps"): one image, every cell of <paramref name="plan"/> an ordinary job with its own
    /// recipe, each through the checks of a single job (pack, license, ranges, fit, GPU memory, ffmpeg, quota), and the
    /// queue limits counted for all cells at once: the set is queued entirely, in one transaction, or not at all. The
    /// cells wait in their owner's line in grid order, so the fair queue takes them one turn at a time like any jobs.
    /// </summary>
    public async Task<(Sweep Sweep, IReadOnlyList<Job> Cells)> SubmitSweepAsync(Stream upload, string fileName, SweepPlan plan, JobOwner owner, CancellationToken ct,
        bool lowMemory = false, bool draft = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(owner);
        await EnsureAdmissibleAsync(owner, ct, plan.Cells.Count).ConfigureAwait(false);
        var image = await ReadImageAsync(upload, fileName, ct).ConfigureAwait(false);
        var pack = catalog.Require(plan.BaseRecipe.Model);
        // Every cell checked before anything is stored; the plan already named a value out of range with its cell.
        var checkedCells = plan.Cells.Select(cell =>
        {
            var recipe = cell.Recipe;
            int? finalSteps = null;
            if (draft)
            {
                finalSteps = recipe.NumInferenceSteps;
                recipe = recipe with { NumInferenceSteps = pack.DraftStepsFor(recipe.NumInferenceSteps) };
            }
            var (cellPack, resolved) = CheckRecipe(recipe, image.Width, image.Height);
            return (Cell: cell, Pack: cellPack, Resolved: resolved, FinalSteps: finalSteps);
        }).ToList();
        var hash = await catalog.GetHashAsync(pack, ct).ConfigureAwait(false);
        var png = PreviewRenderer.ToPng(image);
        var displayName = DisplayName(fileName);
        var sweep = new Sweep
        {
            Id = Guid.NewGuid(),
            CreatedUtc = time.GetUtcNow().UtcDateTime,
            OwnerId = owner.Id,
            OwnerName = owner.Name,
            ModelName = pack.Name,
            InputFileName = displayName,
            ColumnAxis = plan.Columns.Parameter.Name,
            ColumnValues = plan.Columns.ValuesText,
            RowAxis = plan.Rows?.Parameter.Name,
            RowValues = plan.Rows?.ValuesText,
            BaseRecipeJson = (plan.BaseRecipe with { Model = pack.Name }).ToJson(),
            Draft = draft,
        };

        await _admission.WaitAsync(ct).ConfigureAwait(false);
        var folders = new List<string>();
        var jobs = new List<Job>();
        try
        {
            ffmpeg.EnsureAvailable();
            await quota.EnsureAvailableAsync(owner, ct).ConfigureAwait(false);
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            await EnsureQueueRoomAsync(db, owner.Id, ct, plan.Cells.Count).ConfigureAwait(false);
            var order = await QueuePlan.NextOrderAsync(db, ct).ConfigureAwait(false);
            try
            {
                foreach (var (cell, cellPack, resolved, finalSteps) in checkedCells)
                {
                    var id = Guid.NewGuid();
                    var folder = MediaStore.FolderName(id);
                    folders.Add(folder);
                    // Each cell its own copy of the input: a cell is deleted, regenerated or backed up like any job.
                    await media.WriteAtomicallyAsync(folder, InputFile, (s, token) => s.WriteAsync(png, token).AsTask(), ct).ConfigureAwait(false);
                    jobs.Add(NewJob(id, folder, order++, png, image, displayName, cellPack, hash, resolved, owner, sourceId: null, lowMemory, finalSteps,
                        sweep.Id, cell.Row, cell.Column));
                }
                db.Sweeps.Add(sweep);
                db.Jobs.AddRange(jobs);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                foreach (var folder in folders) media.DeleteFolder(folder);
                throw;
            }
            signal.Pulse();
        }
        finally
        {
            _admission.Release();
        }
        foreach (var job in jobs) broadcaster.Publish(new JobProgress(job.Id, JobStatus.Queued, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
        Log.QueuedSweep(logger, sweep.Id, jobs.Count, pack.Name, string.Join(" × ", plan.Axes.Select(a => a.ToString())));
        return (sweep, jobs);
    }

    /// <summary>
    /// Queues a failed, cancelled or interrupted job again with the same row, input and recipe. It passes the same gate
    /// as a new submission (ffmpeg, the pack's license and validity, GPU memory, the queue limits and its owner's GPU
    /// quota), except that an admin's retry is not held to the owner's quota.
    /// </summary>
    public async Task<bool> RetryAsync(Guid id, JobOwner requester, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(requester);
        await _admission.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            var job = await db.Jobs.FindAsync([id], ct).ConfigureAwait(false);
            if (job is null || job.Status is not (JobStatus.Failed or JobStatus.Cancelled or JobStatus.Interrupted)) return false;
            ffmpeg.EnsureAvailable();
            var (pack, _) = CheckRecipe(job.ToRecipe(), job.InputWidth, job.InputHeight);
            // The worker refuses a job whose pack changed since it was queued; say so now, with what does work.
            if (!string.Equals(await catalog.GetHashAsync(pack, ct).ConfigureAwait(false), job.ModelHash, StringComparison.Ordinal))
                throw new ModelPackException(pack.Folder, $"the pack '{pack.Name}' changed on disk since this item was queued, so a retry would not reproduce its recipe. Regenerate it instead: a new item with the same settings on the current pack.");
            if (!requester.IsAdmin) await quota.EnsureAvailableAsync(new JobOwner(job.OwnerId, job.OwnerName), ct).ConfigureAwait(false);
            await EnsureQueueRoomAsync(db, job.OwnerId, ct).ConfigureAwait(false);
            job.Status = JobStatus.Queued;
            job.Error = null;
            job.StartedUtc = job.FinishedUtc = null;
            job.QueueOrder = await QueuePlan.NextOrderAsync(db, ct).ConfigureAwait(false);
            job.PinRank = null;
            job.LeaseOwner = null;
            job.LeaseUntil = null;
            job.CancelRequested = false;
            job.LostAttempts = 0;
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            signal.Pulse();
        }
        finally
        {
            _admission.Release();
        }
        broadcaster.Publish(new JobProgress(id, JobStatus.Queued, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
        return true;
    }

    /// <returns>false when there is no such job or it has already ended.</returns>
    public async Task<bool> CancelAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var job = await db.Jobs.FindAsync([id], ct).ConfigureAwait(false);
        if (job is null || job.IsFinished) return false;
        if (job.Status == JobStatus.Queued)
        {
            job.Status = JobStatus.Cancelled;
            job.Error = "Cancelled before it started.";
            job.FinishedUtc = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            broadcaster.Publish(new JobProgress(id, JobStatus.Cancelled, SvdStage.Preprocessing, 0, 1, 0, 0, 0, job.Error));
            return true;
        }
        // Running: the worker records Cancelled when the pipeline stops (between ONNX runs or inside one). Here at once;
        // in another process when its heartbeat reads the flag.
        var asked = await db.Jobs.Where(g => g.Id == id && g.Status == JobStatus.Running)
            .ExecuteUpdateAsync(set => set.SetProperty(g => g.CancelRequested, true), ct).ConfigureAwait(false) > 0;
        return running.Cancel(id) || asked;
    }

    /// <summary>
    /// An admin's move of a waiting job (<see cref="QueueMove"/>; the rules are on <see cref="JobQueue"/>). The
    /// caller checks that the user is an admin. The new places are stored, so the order survives a restart.
    /// </summary>
    /// <returns>null when it moved (or already was at the front); otherwise why not, for a 409 or the page's alert.</returns>
    public async Task<string?> MoveAsync(Guid id, QueueMove to, CancellationToken ct)
    {
        await _moves.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
            var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, ct).ConfigureAwait(false);
            if (job is null) return $"There is no job {id}.";
            if (job.Status != JobStatus.Queued)
                return $"Job {id} is {job.Status}; only a waiting job can be moved.";
            var result = (await QueuePlan.LoadAsync(db, ct).ConfigureAwait(false)).Move(id, to);
            if (result.Refusal is not null) return result.Refusal;
            // Stored even if the caller gives up now: half a swap would be another order.
            // A place in an owner's line clears PinRank, which is what keeps an unpinned job unpinned after a restart.
            foreach (var place in result.Changed)
            {
                await (place.Pinned
                    ? db.Jobs.Where(g => g.Id == place.JobId).ExecuteUpdateAsync(set => set.SetProperty(g => g.PinRank, place.Rank), CancellationToken.None)
                    : db.Jobs.Where(g => g.Id == place.JobId).ExecuteUpdateAsync(set => set
                        .SetProperty(g => g.QueueOrder, place.Rank).SetProperty(g => g.PinRank, (long?)null), CancellationToken.None)).ConfigureAwait(false);
            }
            Log.Moved(logger, id, to);
            // Queue pages refresh on any progress message.
            broadcaster.Publish(new JobProgress(id, JobStatus.Queued, SvdStage.Preprocessing, 0, 1, 0, 0, null, null));
            return null;
        }
        finally
        {
            _moves.Release();
        }
    }

    /// <returns>false when there is no such job.</returns>
    public async Task<bool> SetPrivateAsync(Guid id, bool isPrivate, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var changed = await db.Jobs.Where(g => g.Id == id)
            .ExecuteUpdateAsync(set => set.SetProperty(g => g.IsPrivate, isPrivate), ct).ConfigureAwait(false);
        if (changed == 0) return false;
        // Followers on the hub were checked when they followed; whoever may not see the item now stops receiving it.
        if (isPrivate && await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, ct).ConfigureAwait(false) is { } job)
            await followers.RecheckAsync(job).ConfigureAwait(false);
        // Pages showing the item (the detail page and its live progress) check again too.
        broadcaster.PublishVisibilityChanged(id);
        return true;
    }

    /// <summary>Deletes the row and its files together. A running job is cancelled and then removed by its worker.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var job = await db.Jobs.FindAsync([id], ct).ConfigureAwait(false);
        if (job is null) return false;
        db.Jobs.Remove(job);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFull.Is(ex) && !running.IsRunning(id))
        {
            // Deleting is how people free space, and even a delete needs room in SQLite's WAL: the item's own files go
            // first (they are going anyway), then the row.
            media.DeleteFolder(job.MediaFolder);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        if (!running.Cancel(id)) media.DeleteFolder(job.MediaFolder);
        broadcaster.PublishRemoved(id);
        Log.Deleted(logger, id);
        return true;
    }

    public async Task<Job?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        return await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, ct).ConfigureAwait(false);
    }

    /// <summary>The upload's name without any folder part: shown to people, never used as a path.</summary>
    public static string DisplayName(string? fileName)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length == 0 ? "image" : name.Length > 200 ? name[..200] : name;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {JobId} queued on {Pack}, seed {Seed}.")]
        public static partial void Queued(ILogger logger, Guid jobId, string pack, long seed);

        [LoggerMessage(2, LogLevel.Information, "Job {JobId} deleted with its files.")]
        public static partial void Deleted(ILogger logger, Guid jobId);

        [LoggerMessage(3, LogLevel.Information, "Job {JobId} moved in the queue: {Move}.")]
        public static partial void Moved(ILogger logger, Guid jobId, QueueMove move);

        [LoggerMessage(4, LogLevel.Information, "Job {JobId} queued on {Pack}, seed {Seed}, as a draft of {DraftSteps} steps (its final: {FinalSteps}).")]
        public static partial void QueuedDraft(ILogger logger, Guid jobId, string pack, long seed, int draftSteps, int finalSteps);

        [LoggerMessage(5, LogLevel.Information, "Sweep {SweepId} queued: {Cells} jobs on {Pack}, varying {Axes}.")]
        public static partial void QueuedSweep(ILogger logger, Guid sweepId, int cells, string pack, string axes);
    }
}
