namespace SvdWeb.Inference;

/// <summary>
/// A failure the user can act on. <see cref="Exception.Message"/> says what happened and what to do, and every boundary
/// shows it as it is: the API as a problem's detail, a page as its message, the worker as the job's error, the CLI on
/// stderr. <see cref="Status"/> and <see cref="Title"/> are the API's answer; they are plain values, not ASP.NET types,
/// so the library's own refusals carry them too, and no boundary keeps its own list of the types it knows.
/// </summary>
public abstract class UserFacingException : Exception
{
    protected UserFacingException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The HTTP status that answers the request: 4xx when the request must change (its input, its pack, its owner's
    /// limits), 5xx when the server lacks something (ffmpeg, queue room, device memory); the CLI's exit code follows it.
    /// </summary>
    public abstract int Status { get; }

    /// <summary>A few words naming the problem (a problem's title), e.g. "Not enough GPU memory".</summary>
    public abstract string Title { get; }

    /// <summary>The input the message is about, as the API and the CLI name it ("numFrames", "image"), or null.</summary>
    public virtual string? Field => null;

    /// <summary>When the same request can succeed again, in whole seconds (an API's Retry-After), or null.</summary>
    public virtual int? RetryAfterSeconds => null;

    /// <summary>Values a client can act on without reading the message (a problem's extensions), or none.</summary>
    public virtual IReadOnlyDictionary<string, object?> Facts => NoFacts;

    private static readonly IReadOnlyDictionary<string, object?> NoFacts = new Dictionary<string, object?>();
}
