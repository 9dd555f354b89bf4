using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace SvdWeb.Jobs;

/// <summary>
/// Fans job progress out to Blazor circuits (in-process subscriptions) and to SignalR hub clients, and keeps each
/// job's latest state so a page reload or a second tab reattaches where the job is. Publishing never blocks the
/// worker: hub sends are fire-and-forget (a slow or gone client must not stall inference), and subscriber callbacks
/// are expected to marshal onto their circuit with InvokeAsync and return at once.
/// </summary>
public sealed partial class JobProgressBroadcaster(IHubContext<ProgressHub> hub, ILogger<JobProgressBroadcaster> logger)
{
    private readonly ConcurrentDictionary<Guid, JobProgress> _latest = new();
    private readonly ConcurrentDictionary<long, (Guid? JobId, Action<JobProgress> Callback)> _subscribers = new();
    private readonly ConcurrentDictionary<long, (Guid JobId, Action Callback)> _visibilityWatchers = new();
    private readonly ConcurrentDictionary<long, Action> _galleryWatchers = new();
    private long _nextSubscription;

    public JobProgress? Latest(Guid jobId) => _latest.TryGetValue(jobId, out var progress) ? progress : null;

    /// <summary>Latest state of every job that has reported since startup and is not final.</summary>
    public IReadOnlyList<JobProgress> Active() => _latest.Values.Where(p => !p.IsFinal).ToArray();

    /// <summary>Subscribes to one job (or every job when <paramref name="jobId"/> is null). Dispose to unsubscribe.</summary>
    public IDisposable Subscribe(Guid? jobId, Action<JobProgress> callback)
    {
        var id = Interlocked.Increment(ref _nextSubscription);
        _subscribers[id] = (jobId, callback);
        return new Subscription(() => _subscribers.TryRemove(id, out _));
    }

    /// <summary>Raised for progress published by this process, not for a peer's, so <see cref="ProgressRelay"/> can pass
    /// it on to the other processes of a several-host setup. Handlers must return at once.</summary>
    public event Action<JobProgress>? PublishedHere;

    /// <summary>Raised for a visibility change made in this process (see <see cref="PublishedHere"/>).</summary>
    public event Action<Guid>? VisibilityChangedHere;

    public void Publish(JobProgress progress)
    {
        Deliver(progress);
        PublishedHere?.Invoke(progress);
    }

    /// <summary>Progress of a job that runs in another process, delivered here as if published here, and not relayed back.</summary>
    public void PublishFromPeer(JobProgress progress) => Deliver(progress);

    private void Deliver(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var before = _latest.TryGetValue(progress.JobId, out var previous) ? previous.Status : (Gallery.JobStatus?)null;
        _latest[progress.JobId] = progress;
        if (before != progress.Status) Notify(_galleryWatchers.Values, progress.JobId);
        foreach (var (jobId, callback) in _subscribers.Values)
        {
            if (jobId is not null && jobId != progress.JobId) continue;
            try
            {
                callback(progress);
            }
            catch (Exception ex)
            {
                Log.SubscriberFailed(logger, progress.JobId, ex);
            }
        }
        _ = SendToHubAsync(progress);
    }

    public void Forget(Guid jobId) => _latest.TryRemove(jobId, out _);

    /// <summary>Raised when this process deletes an item (see <see cref="PublishedHere"/>).</summary>
    public event Action<Guid>? RemovedHere;

    /// <summary>The item was deleted: its state is forgotten and gallery pages list again.</summary>
    public void PublishRemoved(Guid jobId)
    {
        PublishRemovedFromPeer(jobId);
        RemovedHere?.Invoke(jobId);
    }

    /// <summary>Another process deleted the item (see <see cref="PublishRemoved"/>); not relayed back.</summary>
    public void PublishRemovedFromPeer(Guid jobId)
    {
        Forget(jobId);
        Notify(_galleryWatchers.Values, jobId);
    }

    /// <summary>
    /// Calls back when what a gallery lists may have changed: a job was queued, changed status or was deleted (not on
    /// every step). Dispose to unsubscribe.
    /// </summary>
    public IDisposable WatchGallery(Action callback)
    {
        var id = Interlocked.Increment(ref _nextSubscription);
        _galleryWatchers[id] = callback;
        return new Subscription(() => _galleryWatchers.TryRemove(id, out _));
    }

    private void Notify(IEnumerable<Action> callbacks, Guid jobId)
    {
        foreach (var callback in callbacks)
        {
            try
            {
                callback();
            }
            catch (Exception ex)
            {
                Log.SubscriberFailed(logger, jobId, ex);
            }
        }
    }

    /// <summary>
    /// Calls back when the job is made private or public, so a page showing it checks again who may see it (a page
    /// checked once when it loaded). Dispose to unsubscribe.
    /// </summary>
    public IDisposable WatchVisibility(Guid jobId, Action callback)
    {
        var id = Interlocked.Increment(ref _nextSubscription);
        _visibilityWatchers[id] = (jobId, callback);
        return new Subscription(() => _visibilityWatchers.TryRemove(id, out _));
    }

    public void PublishVisibilityChanged(Guid jobId)
    {
        DeliverVisibilityChanged(jobId);
        VisibilityChangedHere?.Invoke(jobId);
    }

    /// <summary>A visibility change made in another process: pages here check again, and it is not relayed back.</summary>
    public void PublishVisibilityChangedFromPeer(Guid jobId) => DeliverVisibilityChanged(jobId);

    private void DeliverVisibilityChanged(Guid jobId)
    {
        Notify(_visibilityWatchers.Values.Where(w => w.JobId == jobId).Select(w => w.Callback), jobId);
    }

    private async Task SendToHubAsync(JobProgress progress)
    {
        try
        {
            await hub.Clients.Group(ProgressHub.Group(progress.JobId)).SendAsync(ProgressHub.ProgressMethod, progress).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.HubSendFailed(logger, progress.JobId, ex);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A progress subscriber of job {JobId} threw.")]
        public static partial void SubscriberFailed(ILogger logger, Guid jobId, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "Sending progress of job {JobId} to hub clients failed.")]
        public static partial void HubSendFailed(ILogger logger, Guid jobId, Exception exception);
    }
}
