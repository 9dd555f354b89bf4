namespace SvdWeb.Components.Shared;

public sealed partial class LocalTime
{
    // Here, not in @code: the logging source generator does not see the class the Razor generator writes.
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The browser could not format {Instant} in its time zone; the page shows it in UTC.")]
        public static partial void FormatFailed(ILogger logger, string instant, Exception exception);
    }
}
