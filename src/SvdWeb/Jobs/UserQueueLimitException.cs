using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The owner already has their allowed number of waiting jobs (SvdWeb:MaxQueuedJobsPerUser); nothing was stored.</summary>
public sealed class UserQueueLimitException(int waiting, int limit)
    : UserFacingException($"You already have {waiting} jobs waiting, the most one person may queue (SvdWeb:MaxQueuedJobsPerUser = {limit}). Nothing was stored; submit again when some of yours have started, or cancel some on the Queue page.")
{
    public int Waiting { get; } = waiting;

    public int Limit { get; } = limit;

    public override int Status => 429;

    public override string Title => "Too many waiting jobs";
}
