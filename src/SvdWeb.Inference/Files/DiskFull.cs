namespace SvdWeb.Inference.Files;

/// <summary>
/// Recognises "the disk is full", which .NET reports only as an IOException's HResult and message, and ffmpeg only as
/// a line on stderr: the video encoder and the web worker both turn it into a message that names the fix.
/// </summary>
public static class DiskFull
{
    /// <summary>What Linux (ENOSPC) says, in an exception's message and in ffmpeg's stderr.</summary>
    public const string LinuxMessage = "No space left on device";

    /// <summary>ENOSPC on Linux (errno 28, .NET's HResult for Unix I/O errors), ERROR_DISK_FULL / HANDLE_DISK_FULL on Windows.</summary>
    public static bool Is(IOException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027)
            || ex.Message.Contains(LinuxMessage, StringComparison.OrdinalIgnoreCase);
    }
}
