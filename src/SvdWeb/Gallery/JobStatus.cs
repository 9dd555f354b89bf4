namespace SvdWeb.Gallery;

/// <summary>Where a job is in its life. Stored as text so the database reads well in sqlite3.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The server stopped while it ran; its settings are kept and it can be retried.</summary>
    Interrupted,
}
