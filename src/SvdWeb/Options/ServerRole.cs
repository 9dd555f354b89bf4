namespace SvdWeb.Options;

/// <summary>What one SvdWeb process does (<c>SvdWeb:Role</c>).</summary>
public enum ServerRole
{
    /// <summary>Pages, API, hub and one worker per device, in one process (the default).</summary>
    All,

    /// <summary>Pages, API and hub; runs no job. Needs workers elsewhere, so a shared (postgres) database.</summary>
    Web,

    /// <summary>Runs queued jobs on its devices; serves no pages. Needs a shared (postgres) database.</summary>
    Worker,
}
