namespace SvdWeb.Jobs;

/// <summary>
/// Wakes this process's idle workers when a job is queued here, so they claim it at once; jobs queued by another
/// process are found by polling (SvdWeb:Queue:PollInterval). Only a hint: the database says what is waiting.
/// </summary>
public sealed class QueueSignal
{
    private readonly SemaphoreSlim _pulses = new(0);

    public void Pulse() => _pulses.Release();

    /// <returns>true when pulsed, false after <paramref name="timeout"/>.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _pulses.WaitAsync(timeout, ct);
}
