using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The owner already has their allowed number of waiting jobs (SvdWeb:MaxQueuedJobsPerUser); nothing was stored.</summary>
public sealed class UserQueueLimitException(int waiting, int limit, int adding = 1)
    : UserFacingException(adding <= 1
        ? $"You already have {waiting} jobs waiting, the most one person may queue (SvdWeb:MaxQueuedJobsPerUser = {limit}). Nothing was stored; submit again when some of yours have started, or cancel some on the Queue page."
        : $"You have {waiting} jobs waiting and one person may queue {limit} (SvdWeb:MaxQueuedJobsPerUser), so the sweep's {adding} cells do not fit. Nothing was stored; submit a smaller sweep, or again when some of yours have started.")
{
    public int Waiting { get; } = waiting;

    public int Limit { get; } = limit;

    public override int Status => 429;

    public override string Title => "Too many waiting jobs";
}
