namespace SvdWeb.Jobs;

/// <summary>What <see cref="SweepService.DeleteAsync"/> did.</summary>
public enum SweepDeletion
{
    /// <summary>No such sweep, or the user may see none of it.</summary>
    NotFound,

    /// <summary>The user may see the sweep but it is someone else's: only its owner or an admin deletes it.</summary>
    Forbidden,

    /// <summary>Every cell (with its files) and the sweep are gone; running cells were cancelled and are removed by their worker.</summary>
    Deleted,
}
