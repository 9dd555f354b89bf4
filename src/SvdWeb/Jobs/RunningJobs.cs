namespace SvdWeb.Jobs;

/// <summary>
/// The jobs this process is running, each with the source a cancel trips. A cancel from another process reaches the
/// worker through the row instead (<see cref="SvdWeb.Gallery.Job.CancelRequested"/>, seen by the heartbeat).
/// </summary>
public sealed class RunningJobs
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>A token cancelled by <see cref="Cancel"/>, by a lost lease or by host shutdown; dispose the result when the job ends.</summary>
    public RunningJob Start(Guid jobId, CancellationToken stoppingToken)
    {
        var userCancel = new CancellationTokenSource();
        var lost = new CancellationTokenSource();
        _running[jobId] = userCancel;
        return new RunningJob(this, jobId, userCancel, lost, CancellationTokenSource.CreateLinkedTokenSource(userCancel.Token, lost.Token, stoppingToken));
    }

    /// <returns>true when the job was running here and is now being cancelled.</returns>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var cts)) return false;
        cts.Cancel();
        return true;
    }

    public bool IsRunning(Guid jobId) => _running.ContainsKey(jobId);

    public sealed class RunningJob(RunningJobs owner, Guid jobId, CancellationTokenSource userCancel, CancellationTokenSource lost, CancellationTokenSource linked) : IDisposable
    {
        public CancellationToken Token => linked.Token;

        /// <summary>True when the user (not host shutdown) cancelled: the job is Cancelled, not Interrupted.</summary>
        public bool CancelledByUser => userCancel.IsCancellationRequested;

        /// <summary>True when the lease was lost: another attempt owns the job now, so this one records nothing.</summary>
        public bool LeaseLost => lost.IsCancellationRequested;

        public void CancelByUser() => userCancel.Cancel();

        public void LoseLease() => lost.Cancel();

        public void Dispose()
        {
            owner._running.TryRemove(jobId, out _);
            linked.Dispose();
            lost.Dispose();
            userCancel.Dispose();
        }
    }
}
