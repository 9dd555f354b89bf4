using System.Globalization;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>Samples in milliseconds, summarised as the README's tables give them: median, 95th percentile and maximum.</summary>
internal sealed class Latencies
{
    private readonly List<double> _samples = [];

    public int Count
    {
        get
        {
            lock (_samples) return _samples.Count;
        }
    }

    public void Add(double milliseconds)
    {
        lock (_samples) _samples.Add(milliseconds);
    }

    /// <summary>"median / p95 / max" in ms, nearest-rank percentiles; "none" without samples.</summary>
    public string Summary()
    {
        double[] sorted;
        lock (_samples) sorted = [.. _samples.Order()];
        if (sorted.Length == 0) return "none";
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{Rank(0.5):F2} / {Rank(0.95):F2} / {sorted[^1]:F2}");
    }
}
