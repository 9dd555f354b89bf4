namespace SvdWeb.Inference.Video;

/// <summary>ffmpeg is missing, or it failed: the message names the cause and the fix; <see cref="StandardError"/> keeps its last lines.</summary>
public sealed class FfmpegException : Exception
{
    public FfmpegException(string message, string? standardError = null, Exception? innerException = null)
        : base(message, innerException) => StandardError = standardError;

    public string? StandardError { get; }

    public const string InstallHint = "Install it (Debian/Ubuntu: sudo apt-get install ffmpeg) or put its folder on PATH.";
}
