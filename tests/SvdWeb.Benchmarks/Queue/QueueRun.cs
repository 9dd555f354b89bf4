using System.Diagnostics.Metrics;
using SvdWeb.Jobs;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>
/// Passes what the app's nodes report to the current <see cref="QueueRound"/> (a warm-up, then the measured one):
/// each claim's duration from the app's own instrument (<see cref="JobClaims.ClaimDurationInstrument"/>), and the
/// no-op runner's events.
/// </summary>
internal sealed class QueueRun : IDisposable
{
    private readonly MeterListener _listener = new();
    private QueueRound _current = new(0);

    public QueueRun()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == JobClaims.MeterName && instrument.Name == JobClaims.ClaimDurationInstrument) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "claimed" }) Current.Claimed(seconds);
            }
        });
        _listener.Start();
    }

    public QueueRound Current => Volatile.Read(ref _current);

    /// <summary>Starts a round; the previous one must have completed.</summary>
    public QueueRound Begin(int jobs)
    {
        var round = new QueueRound(jobs);
        Volatile.Write(ref _current, round);
        return round;
    }

    public void Dispose() => _listener.Dispose();
}
