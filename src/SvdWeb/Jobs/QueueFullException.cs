using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The queue holds its configured maximum of waiting jobs (SvdWeb:MaxQueuedJobs); nothing was stored.</summary>
public sealed class QueueFullException(int waiting)
    : UserFacingException($"The queue is full: {waiting} jobs are waiting. Nothing was stored; submit again when some have finished.")
{
    public int Waiting { get; } = waiting;

    public override int Status => 503;

    public override string Title => "Queue full";
}
