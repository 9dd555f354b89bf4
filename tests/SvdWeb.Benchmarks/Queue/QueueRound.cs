using System.Collections.Concurrent;
using System.Diagnostics;
using SvdWeb.Gallery;
using SvdWeb.Jobs;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>
/// One batch of jobs through the queue, all on this process's one clock (every node is hosted here): each claim's
/// duration, when each progress event was published by a worker and when each receiver got it, and when the last
/// job completed.
/// </summary>
internal sealed class QueueRound(int jobs)
{
    private readonly ConcurrentDictionary<(Guid Job, JobStatus Status), long> _sent = new();
    private readonly TaskCompletionSource _allCompleted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _firstClaimStarted = long.MaxValue;
    private long _lastCompleted;
    private int _completed;

    public int Jobs => jobs;

    /// <summary>Claims that took a job; polls that found nothing are not counted.</summary>
    public Latencies Claims { get; } = new();

    public Latencies ToBroadcaster { get; } = new();

    public Latencies ToHub { get; } = new();

    public Task AllCompleted => _allCompleted.Task;

    /// <summary>From the start of the first claim to the last completion.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Interlocked.Read(ref _firstClaimStarted), Interlocked.Read(ref _lastCompleted));

    public double JobsPerSecond => Volatile.Read(ref _completed) / Elapsed.TotalSeconds;

    /// <summary>Events the workers published.</summary>
    public int SentCount => _sent.Count;

    public void Claimed(double seconds)
    {
        Claims.Add(seconds * 1000);
        var started = Stopwatch.GetTimestamp() - (long)(seconds * Stopwatch.Frequency);
        long seen;
        while (started < (seen = Interlocked.Read(ref _firstClaimStarted)) && Interlocked.CompareExchange(ref _firstClaimStarted, started, seen) != seen)
        {
        }
    }

    /// <summary>A worker is about to publish this event (before it is published, so no receiver can be earlier).</summary>
    public void Sent(Guid job, JobStatus status) => _sent[(job, status)] = Stopwatch.GetTimestamp();

    /// <summary>A receiver got an event; its latency goes to <paramref name="into"/> (events of another round are ignored).</summary>
    public void Received(JobProgress progress, Latencies into)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(into);
        var now = Stopwatch.GetTimestamp();
        if (_sent.TryGetValue((progress.JobId, progress.Status), out var sent)) into.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
    }

    public void Completed()
    {
        Interlocked.Exchange(ref _lastCompleted, Stopwatch.GetTimestamp());
        if (Interlocked.Increment(ref _completed) == jobs) _allCompleted.TrySetResult();
    }
}
