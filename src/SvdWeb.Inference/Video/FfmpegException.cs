namespace SvdWeb.Inference.Video;

/// <summary>ffmpeg is missing, or it failed: the message names the cause and the fix; <see cref="StandardError"/> keeps its last lines.</summary>
public sealed class FfmpegException : UserFacingException
{
    public FfmpegException(string message, string? standardError = null, Exception? innerException = null)
        : base(message, innerException) => StandardError = standardError;

    public string? StandardError { get; }

    public override int Status => 503;

    /// <summary>Where a request needs ffmpeg before it is queued, it is refused because ffmpeg is missing.</summary>
    public override string Title => "ffmpeg missing";

    public const string InstallHint = "Install it (Debian/Ubuntu: sudo apt-get install ffmpeg) or put its folder on PATH.";
}
