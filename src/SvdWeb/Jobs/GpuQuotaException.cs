using System.Globalization;

namespace SvdWeb.Jobs;

/// <summary>The owner has used their GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser); nothing was stored.</summary>
public sealed class GpuQuotaException(GpuUsage usage, DateTime nowUtc) : Exception(Describe(usage, nowUtc))
{
    public GpuUsage Usage { get; } = usage;

    /// <summary>Whole seconds until the quota resets (for Retry-After).</summary>
    public int SecondsUntilReset { get; } = (int)Math.Ceiling((usage.ResetsUtc - nowUtc).TotalSeconds);

    private static string Describe(GpuUsage usage, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var left = usage.ResetsUtc - nowUtc;
        return string.Create(CultureInfo.InvariantCulture,
            $"You have used {Math.Floor(usage.UsedSeconds):F0} of your {usage.LimitSeconds} GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser). " +
            $"Nothing was stored. The quota resets at midnight UTC ({usage.ResetsUtc:yyyy-MM-dd HH:mm} UTC, in {(int)left.TotalHours} h {left.Minutes} min); submit again then, or ask an admin.");
    }
}
