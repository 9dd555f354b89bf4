namespace SvdWeb.Jobs;

/// <summary>An admin's move of a waiting job (see <see cref="JobQueue"/> for what each means).</summary>
public enum QueueMove
{
    /// <summary>Runs next, before the round-robin pick; the latest job moved to the front goes first.</summary>
    Front,

    /// <summary>Undoes <see cref="Front"/>: back to its place in its owner's line, in the round-robin again.</summary>
    Unpin,

    /// <summary>One place earlier: among the pinned jobs if pinned, else within its owner's own waiting jobs.</summary>
    Up,

    /// <summary>One place later, in the same group as <see cref="Up"/>.</summary>
    Down,
}
