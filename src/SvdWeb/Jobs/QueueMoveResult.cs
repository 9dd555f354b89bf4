namespace SvdWeb.Jobs;

/// <summary>The places that changed (to be stored), or why nothing moved.</summary>
public sealed record QueueMoveResult(IReadOnlyList<QueuePlace> Changed, string? Refusal)
{
    public static QueueMoveResult Refused(string reason) => new([], reason);
}
