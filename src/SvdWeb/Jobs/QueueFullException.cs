using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The queue holds its configured maximum of waiting jobs (SvdWeb:MaxQueuedJobs), or too many to take all of
/// a sweep's <c>adding</c> cells; nothing was stored.</summary>
public sealed class QueueFullException(int waiting, int adding = 1, int limit = 0)
    : UserFacingException(adding <= 1
        ? $"The queue is full: {waiting} jobs are waiting. Nothing was stored; submit again when some have finished."
        : $"The queue has {waiting} jobs waiting and takes at most {limit}, so the sweep's {adding} cells do not fit. Nothing was stored; submit a smaller sweep, or again when some have finished.")
{
    public int Waiting { get; } = waiting;

    public override int Status => 503;

    public override string Title => "Queue full";
}
