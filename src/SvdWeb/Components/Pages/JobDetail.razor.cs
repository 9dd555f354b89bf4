namespace SvdWeb.Components.Pages;

public sealed partial class JobDetail
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "An action on gallery item {Id} failed; the page showed the message and kept working.")]
        public static partial void ActionFailed(ILogger logger, Guid id, Exception exception);
    }
}
