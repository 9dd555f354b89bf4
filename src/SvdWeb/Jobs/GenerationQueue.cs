using System.Collections.Concurrent;

namespace SvdWeb.Jobs;

/// <summary>
/// Job ids waiting for a worker, one line per owner, served round-robin: a worker takes the oldest waiting job of the
/// owner who was served least recently, so one person's thirty jobs never starve another's one. A job is a database
/// row first (status Queued), then an entry here, so a restart loses nothing: startup recovery re-enqueues the Queued
/// rows and restores who was served last (<see cref="RestoreServedOrder"/>). The queue's length limits are enforced
/// against the database when submitting, so adding never blocks a request.
/// Running jobs register a cancellation source here so Cancel reaches the worker.
/// </summary>
public sealed class GenerationQueue
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OwnerLine> _lines = new(StringComparer.Ordinal);
    // Counts entries added; a worker that wakes for an entry removed meanwhile (cancelled, deleted) waits again.
    private readonly SemaphoreSlim _available = new(0);
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private long _arrivals;
    private long _serves;

    public void Enqueue(Guid jobId, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        lock (_gate)
        {
            if (!_lines.TryGetValue(ownerId, out var line)) _lines[ownerId] = line = new OwnerLine();
            line.Jobs.AddLast((jobId, ++_arrivals));
        }
        _available.Release();
    }

    /// <summary>Takes a job out of line (cancelled or deleted while waiting). Returns false when it was not waiting.</summary>
    public bool Remove(Guid jobId)
    {
        lock (_gate)
        {
            foreach (var line in _lines.Values)
            {
                for (var node = line.Jobs.First; node is not null; node = node.Next)
                {
                    if (node.Value.JobId != jobId) continue;
                    line.Jobs.Remove(node);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Waits for a job and takes the next one in fair order (see the class summary).</summary>
    public async Task<Guid> DequeueAsync(CancellationToken ct)
    {
        while (true)
        {
            await _available.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (Next(_lines) is { } owner)
                {
                    var line = _lines[owner];
                    var jobId = line.Jobs.First!.Value.JobId;
                    line.Jobs.RemoveFirst();
                    line.LastServed = ++_serves;
                    return jobId;
                }
            }
        }
    }

    public async IAsyncEnumerable<Guid> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (true) yield return await DequeueAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// After a restart: owners in the order they were last served (least recently first), e.g. by their latest
    /// started job, so the round-robin goes on where it stopped instead of favouring whoever queued first.
    /// </summary>
    public void RestoreServedOrder(IEnumerable<string> ownersLeastRecentFirst)
    {
        ArgumentNullException.ThrowIfNull(ownersLeastRecentFirst);
        lock (_gate)
        {
            foreach (var owner in ownersLeastRecentFirst)
            {
                if (!_lines.TryGetValue(owner, out var line)) _lines[owner] = line = new OwnerLine();
                line.LastServed = ++_serves;
            }
        }
    }

    /// <summary>The waiting jobs in the order workers will take them if nothing else arrives.</summary>
    public IReadOnlyList<Guid> PlannedOrder()
    {
        lock (_gate)
        {
            var copy = _lines.ToDictionary(p => p.Key, p => new OwnerLine { LastServed = p.Value.LastServed, Jobs = new(p.Value.Jobs) }, StringComparer.Ordinal);
            var order = new List<Guid>();
            var serves = _serves;
            while (Next(copy) is { } owner)
            {
                var line = copy[owner];
                order.Add(line.Jobs.First!.Value.JobId);
                line.Jobs.RemoveFirst();
                line.LastServed = ++serves;
            }
            return order;
        }
    }

    /// <summary>The owner served least recently among those waiting; ties (never served) go to the oldest waiting job.</summary>
    private static string? Next(Dictionary<string, OwnerLine> lines)
    {
        string? best = null;
        OwnerLine? bestLine = null;
        foreach (var (owner, line) in lines)
        {
            if (line.Jobs.First is not { } head) continue;
            if (bestLine is null || line.LastServed < bestLine.LastServed
                || (line.LastServed == bestLine.LastServed && head.Value.Arrival < bestLine.Jobs.First!.Value.Arrival))
            {
                (best, bestLine) = (owner, line);
            }
        }
        return best;
    }

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

    private sealed class OwnerLine
    {
        /// <summary>0 when never served; otherwise the serve counter's value when this owner last got a worker.</summary>
        public long LastServed { get; set; }

        public LinkedList<(Guid JobId, long Arrival)> Jobs { get; init; } = new();
    }

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
