using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SvdWeb.Options;
using SvdWeb.Devices;

namespace SvdWeb.Packs;

/// <summary>
/// Watches the models folder so packs copied in or removed appear and disappear without a restart. Events are only a
/// hint that something changed: after the folder has been quiet for SvdWeb:ModelsRescanDelay the catalog is rescanned,
/// so a pack still being copied is looked at once it is complete (and again if more writes follow). Without a watcher
/// (the system's inotify limit reached) the Models page's Rescan button still works.
/// </summary>
public sealed partial class PackWatcher(PackCatalog catalog, IOptions<SvdWebOptions> options, ILogger<PackWatcher> logger) : BackgroundService
{
    // One pending signal is enough: the rescan looks at the whole folder, whatever the events were.
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // ExecuteAsync must yield before any work, or it holds up the host's start (BackgroundService contract).
        await Task.Yield();
        Rescan();
        using var watcher = StartWatcher();
        var delay = options.Value.ModelsRescanDelay;
        try
        {
            while (await _signals.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _signals.Reader.TryRead(out _);
                // Debounce: rescan once no new event came for a whole delay.
                do
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                while (_signals.Reader.TryRead(out _));
                Rescan();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private FileSystemWatcher? StartWatcher()
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(catalog.ModelsFolder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Created += (_, _) => Signal();
            watcher.Deleted += (_, _) => Signal();
            watcher.Changed += (_, _) => Signal();
            watcher.Renamed += (_, _) => Signal();
            watcher.Error += (_, e) =>
            {
                // An overflowed event buffer loses events, not the folder: a rescan catches up.
                Log.WatchError(logger, e.GetException().Message);
                Signal();
            };
            watcher.EnableRaisingEvents = true;
            Log.Watching(logger, catalog.ModelsFolder, options.Value.ModelsRescanDelay.TotalSeconds);
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            watcher?.Dispose();
            Log.CannotWatch(logger, catalog.ModelsFolder, ex.Message);
            return null;
        }
    }

    private void Signal() => _signals.Writer.TryWrite(true);

    private void Rescan()
    {
        try
        {
            catalog.Rescan();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A folder vanishing mid-scan: the next event or the Rescan button tries again.
            Log.RescanFailed(logger, catalog.ModelsFolder, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Watching {Folder} for model packs (rescan after {DelaySeconds} s of quiet).")]
        public static partial void Watching(ILogger logger, string folder, double delaySeconds);

        [LoggerMessage(2, LogLevel.Warning, "Cannot watch {Folder} ({Message}); packs added or removed appear after Rescan on the Models page or a restart.")]
        public static partial void CannotWatch(ILogger logger, string folder, string message);

        [LoggerMessage(3, LogLevel.Warning, "Watching the models folder lost events ({Message}); rescanning it.")]
        public static partial void WatchError(ILogger logger, string message);

        [LoggerMessage(4, LogLevel.Warning, "Rescanning {Folder} failed: {Message}. The next change or Rescan tries again.")]
        public static partial void RescanFailed(ILogger logger, string folder, string message);
    }
}
