using SvdWeb.Inference.Video;

namespace SvdWeb.Jobs;

/// <summary>
/// Whether ffmpeg is installed, checked once at startup: a missing ffmpeg is a warning in the log and on every page
/// (the gallery stays browsable), and jobs fail with the install hint rather than after minutes of inference.
/// </summary>
public sealed partial class FfmpegStatus(ILogger<FfmpegStatus> logger) : IHostedService
{
    public string? Version { get; private set; }

    public string? Problem { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var folder = FfmpegTool.RequireFolder();
            Version = await FfmpegTool.GetVersionAsync(folder, cancellationToken).ConfigureAwait(false);
            Log.Found(logger, Version, folder);
        }
        catch (FfmpegException ex)
        {
            Problem = ex.Message;
            Log.Missing(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Throws the startup check's message while ffmpeg is missing, so a job is refused at submit instead of failing
    /// once a worker takes it. PATH is looked at again first: installing ffmpeg needs no restart.
    /// </summary>
    /// <exception cref="FfmpegException">ffmpeg or ffprobe is still not on PATH.</exception>
    public void EnsureAvailable()
    {
        if (Problem is not { } problem) return;
        if (FfmpegTool.FindFolder() is not null)
        {
            Problem = null;
            return;
        }
        throw new FfmpegException(problem);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Found ffmpeg {Version} in {Folder}.")]
        public static partial void Found(ILogger logger, string version, string folder);

        [LoggerMessage(2, LogLevel.Warning, "{Message} Videos cannot be written until it is installed; the gallery stays browsable.")]
        public static partial void Missing(ILogger logger, string message);
    }
}
