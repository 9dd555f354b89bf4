using SvdWeb.Inference;

namespace SvdWeb.Gallery;

/// <summary>
/// One job: queued, running, then an item of the gallery. Every setting that shapes the video has its own
/// column (<see cref="Recipe"/>), so the gallery can sort and filter on it and regenerating is copying one row. Media files live under the
/// data folder in <see cref="MediaFolder"/> (relative), named by the app, never by the user.
/// </summary>
public sealed class Job
{
    public Guid Id { get; init; }

    public DateTime CreatedUtc { get; init; }

    public DateTime? StartedUtc { get; set; }

    public DateTime? FinishedUtc { get; set; }

    public JobStatus Status { get; set; }

    /// <summary>The message the user saw when it failed, was cancelled or interrupted.</summary>
    public string? Error { get; set; }

    /// <summary>The account that queued it ("local" for the built-in user of a server without accounts): the queue's fairness key.</summary>
    public string OwnerId { get; init; } = "local";

    /// <summary>The owner's name when it was queued, shown on the queue page.</summary>
    public string OwnerName { get; init; } = "local";

    /// <summary>
    /// Its place in its owner's line while it waits: lower runs first. Taken from the queue's counter when queued, so
    /// the order survives a restart; an admin's up/down swaps it with the neighbour's.
    /// </summary>
    public long QueueOrder { get; set; }

    /// <summary>Set when an admin moved it to the front: pinned jobs run before the round-robin pick, lowest first. Null otherwise.</summary>
    public long? PinRank { get; set; }

    /// <summary>Hidden from everyone but its owner and admins (gallery, API, media), as if it did not exist.</summary>
    public bool IsPrivate { get; set; }

    /// <summary>
    /// The queue's serve counter when a worker last claimed this job, null before its first claim. An owner's latest
    /// value says when they were last served, which is all the round-robin needs to go on, in any process.
    /// </summary>
    public long? ClaimSeq { get; set; }

    /// <summary>Which worker holds the job while it runs, or ran it last ("host:pid:device"); null before a claim and after a lost lease.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>Until when that worker's claim holds without a heartbeat; after it, the job goes back to its place in line.</summary>
    public DateTime? LeaseUntil { get; set; }

    /// <summary>How many times a worker claimed the job; the fence on every write of a run (a stale attempt writes nothing).</summary>
    public int Attempt { get; set; }

    /// <summary>Attempts whose lease expired (worker killed, host lost); after SvdWeb:Queue:MaxLostAttempts the job is Interrupted.</summary>
    public int LostAttempts { get; set; }

    /// <summary>Set by a cancel on any web node; the worker that runs the job sees it with its next heartbeat.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>The job this one regenerates or remixes, if any.</summary>
    public Guid? SourceId { get; init; }

    public required string ModelName { get; init; }

    /// <summary>SHA-256 of the pack's files when queued; a run on a changed pack is detected and named.</summary>
    public required string ModelHash { get; init; }

    /// <summary>Every setting that shaped the video, resolved against the pack when it was queued; a column each (the
    /// gallery sorts and filters on them), mapped in <see cref="JobConfiguration"/>.</summary>
    public required ResolvedRecipe Recipe { get; init; }

    /// <summary>
    /// The owner asked for low memory: the run uses every memory option the server allows (model CPU offload, forward
    /// chunking) even when the estimate says it fits without, e.g. on a GPU that other programs share. Not part of the
    /// recipe: the options change no value of the video, only its speed and peak memory.
    /// </summary>
    public bool LowMemory { get; init; }

    /// <summary>
    /// Set for a draft: the recipe run with few denoising steps (the pack's draft steps) to show its motion quickly, and
    /// this the step count its final ("Make final") runs with, the same recipe otherwise. Null for any other job.
    /// </summary>
    public int? FinalInferenceSteps { get; init; }

    /// <summary>The sweep this job is a cell of (<see cref="Sweep"/>), or null; a cell is an ordinary job otherwise.</summary>
    public Guid? SweepId { get; init; }

    /// <summary>The cell's row in its sweep's grid (0 for a sweep of one setting); null outside a sweep.</summary>
    public int? SweepRow { get; init; }

    /// <summary>The cell's column in its sweep's grid; null outside a sweep.</summary>
    public int? SweepColumn { get; init; }

    /// <summary>A quick preview of a recipe (see <see cref="FinalInferenceSteps"/>).</summary>
    public bool IsDraft => FinalInferenceSteps is not null;

    /// <summary>Folder below the data folder holding input, videos, frames, thumbnail and preview.</summary>
    public required string MediaFolder { get; init; }

    /// <summary>The uploaded file's name, for display only; never used in a path.</summary>
    public required string InputFileName { get; init; }

    /// <summary>Stored input file name inside <see cref="MediaFolder"/> (e.g. "input.png").</summary>
    public required string InputFile { get; init; }

    public required string InputSha256 { get; init; }

    public int InputWidth { get; init; }

    public int InputHeight { get; init; }

    /// <summary>"CPU" or "CUDA:0", once it ran.</summary>
    public string? Provider { get; set; }

    public double? DurationSeconds { get; set; }

    /// <summary>Mean UNet step time, the basis of queue ETAs.</summary>
    public double? SecondsPerStep { get; set; }

    /// <summary>Videos written (NumVideosPerPrompt once it succeeded).</summary>
    public int VideoCount { get; set; }

    /// <summary>Files this item should have but the data folder lacks, found by the startup audit; null when complete.</summary>
    public string? MissingFiles { get; set; }

    /// <summary>The recipe as a request (the pack's name as its model): what the API returns and Remix starts from.</summary>
    public SvdRecipe ToRecipe() => Recipe.ToRequest(ModelName);

    /// <summary>What every file of this item carries: its recipe as the API returns it, the pack's hash and the item's id.</summary>
    public RecipeStamp ToRecipeStamp() => new(ToRecipe(), ModelHash, Id);

    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled or JobStatus.Interrupted;
}
