namespace SvdWeb.Jobs;

/// <summary>
/// A waiting job's place after a move, to be stored: <c>Job.PinRank</c> when <paramref name="Pinned"/>, else
/// <c>Job.QueueOrder</c> (its place in its owner's line) with <c>PinRank</c> cleared.
/// </summary>
public sealed record QueuePlace(Guid JobId, long Rank, bool Pinned);
