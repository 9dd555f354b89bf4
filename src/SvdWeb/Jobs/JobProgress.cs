using SvdWeb.Gallery;
using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>
/// The live state of one job, as the Blazor pages and the SignalR hub (/hubs/progress) receive it. Final when
/// <see cref="Status"/> is no longer Queued or Running.
/// </summary>
/// <param name="PreviewPng">Latent preview of the current denoised estimate (first frame), PNG; base64 in JSON.</param>
public sealed record JobProgress(
    Guid JobId,
    JobStatus Status,
    SvdStage Stage,
    int Step,
    int TotalSteps,
    double Fraction,
    double ElapsedSeconds,
    double? RemainingSeconds,
    string? Message,
    byte[]? PreviewPng = null)
{
    public bool IsFinal => Status is not (JobStatus.Queued or JobStatus.Running);
}
