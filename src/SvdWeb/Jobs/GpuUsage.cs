using System.Globalization;

namespace SvdWeb.Jobs;

/// <summary>One user's GPU time in the current UTC day against SvdWeb:DailyGpuSecondsPerUser.</summary>
/// <param name="UsedSeconds">Run time of their jobs within today (UTC), a running job's up to now.</param>
/// <param name="LimitSeconds">The quota; 0 when it is off.</param>
/// <param name="ResetsUtc">The next midnight UTC, when the count starts again.</param>
public sealed record GpuUsage(double UsedSeconds, int LimitSeconds, DateTime ResetsUtc)
{
    public bool IsLimited => LimitSeconds > 0;

    public bool IsExhausted => IsLimited && UsedSeconds >= LimitSeconds;

    /// <summary>"used / quota", as the Create and Queue pages show it.</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(UsedSeconds):F0} s / {LimitSeconds} s");
}
