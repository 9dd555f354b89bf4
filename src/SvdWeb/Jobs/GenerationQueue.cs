using System.Collections.Concurrent;
using System.Threading.Channels;

namespace SvdWeb.Jobs;

/// <summary>
/// Job ids waiting for a worker. A job is a database row first (status Queued), then a message here, so a restart
/// loses nothing: startup recovery re-enqueues the Queued rows. The queue's length limit is enforced against the
/// database when submitting, so the channel itself is unbounded and a write never blocks a request.
/// Running jobs register a cancellation source here so Cancel reaches the worker.
/// </summary>
public sealed class GenerationQueue
{
    private readonly Channel<Guid> _jobs = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = false });
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public void Enqueue(Guid jobId) => _jobs.Writer.TryWrite(jobId);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken ct) => _jobs.Reader.ReadAllAsync(ct);

    /// <summary>A token cancelled by <see cref="CancelRunning"/> or by host shutdown; dispose the result when the job ends.</summary>
    public RunningJob StartRunning(Guid jobId, CancellationToken stoppingToken)
    {
        var userCancel = new CancellationTokenSource();
        _running[jobId] = userCancel;
        return new RunningJob(this, jobId, userCancel, CancellationTokenSource.CreateLinkedTokenSource(userCancel.Token, stoppingToken));
    }

    /// <returns>true when the job was running here and is now being cancelled.</returns>
    public bool CancelRunning(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        cts.Cancel();
        return true;
    }

    public bool IsRunning(Guid jobId) => _running.ContainsKey(jobId);

    public sealed class RunningJob(GenerationQueue queue, Guid jobId, CancellationTokenSource userCancel, CancellationTokenSource linked) : IDisposable
    {
        public CancellationToken Token => linked.Token;

        /// <summary>True when the user (not host shutdown) cancelled: the job is Cancelled, not Interrupted.</summary>
        public bool CancelledByUser => userCancel.IsCancellationRequested;

        public void Dispose()
        {
            queue._running.TryRemove(jobId, out _);
            linked.Dispose();
            userCancel.Dispose();
        }
    }
}
