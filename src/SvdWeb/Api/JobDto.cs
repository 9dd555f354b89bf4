using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;

namespace SvdWeb.Api;

/// <summary>A job as the REST API shows it. <c>Pinned</c>: an admin moved it to the front, so it runs before the round-robin pick.
/// <c>LowMemory</c>: its owner asked for every memory option the server allows (see <see cref="Job.LowMemory"/>).
/// <c>Draft</c>: a quick preview with few denoising steps; <c>FinalInferenceSteps</c> the steps its final runs
/// (POST /api/jobs/{id}/final), null for a job that is not a draft.
/// <c>WaitingReason</c>: why a waiting job runs on no worker (no live worker has its pack with its hash), else null.
/// <c>SweepId</c>: the sweep this job is a cell of (GET /api/sweeps/{id}), else null.</summary>
public sealed record JobDto(
    Guid Id,
    JobStatus Status,
    DateTime CreatedUtc,
    DateTime? StartedUtc,
    DateTime? FinishedUtc,
    string Model,
    string ModelHash,
    SvdRecipe Recipe,
    string InputFileName,
    string? Error,
    string? Provider,
    double? DurationSeconds,
    int VideoCount,
    JobProgressDto? Progress,
    int? QueuePosition,
    double? EstimatedSecondsLeft,
    Guid? SourceId,
    bool IsPrivate,
    bool Pinned,
    bool LowMemory,
    bool Draft,
    int? FinalInferenceSteps,
    string? WaitingReason = null,
    Guid? SweepId = null)
{
    public static JobDto From(Job job, JobProgress? progress, QueueEntry? queued, string? waitingReason = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Id, job.Status, job.CreatedUtc, job.StartedUtc, job.FinishedUtc, job.ModelName, job.ModelHash, job.ToRecipe(),
            job.InputFileName, job.Error, job.Provider, job.DurationSeconds, job.VideoCount,
            progress is null || job.IsFinished ? null : new JobProgressDto(progress.Stage, progress.Step, progress.TotalSteps, progress.Fraction, progress.ElapsedSeconds, progress.RemainingSeconds),
            queued?.Position, queued?.EstimatedSecondsLeft, job.SourceId, job.IsPrivate, job.Status == JobStatus.Queued && job.PinRank is not null, job.LowMemory,
            job.IsDraft, job.FinalInferenceSteps, waitingReason, job.SweepId);
    }
}

public sealed record JobProgressDto(SvdStage Stage, int Step, int TotalSteps, double Fraction, double ElapsedSeconds, double? RemainingSeconds);

/// <summary>Body of POST /api/jobs/{id}/private: <c>{"private": true}</c> hides the item from everyone but its owner and admins.</summary>
public sealed record PrivacyRequest(bool? Private);

/// <summary>
/// Body of POST /api/jobs/{id}/move (admins only): <c>{"to": "front"}</c>, <c>"unpin"</c> (undoes front), <c>"up"</c> or
/// <c>"down"</c>.
/// </summary>
public sealed record MoveRequest(string? To);

public sealed record PageDto<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);
