using System.Globalization;
using SvdWeb.Inference;

namespace SvdWeb.Jobs;

/// <summary>The owner has used their GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser); nothing was stored.</summary>
public sealed class GpuQuotaException(GpuUsage usage, DateTime nowUtc) : UserFacingException(Describe(usage, nowUtc))
{
    public GpuUsage Usage { get; } = usage;

    /// <summary>Whole seconds until the quota resets (for Retry-After).</summary>
    public int SecondsUntilReset { get; } = (int)Math.Ceiling((usage.ResetsUtc - nowUtc).TotalSeconds);

    public override int Status => 429;

    public override string Title => "Daily GPU quota used";

    public override int? RetryAfterSeconds => SecondsUntilReset;

    public override IReadOnlyDictionary<string, object?> Facts => new Dictionary<string, object?>
    {
        ["usedSeconds"] = Math.Floor(Usage.UsedSeconds),
        ["limitSeconds"] = Usage.LimitSeconds,
        ["resetsUtc"] = Usage.ResetsUtc,
    };

    private static string Describe(GpuUsage usage, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var left = usage.ResetsUtc - nowUtc;
        return string.Create(CultureInfo.InvariantCulture,
            $"You have used {Math.Floor(usage.UsedSeconds):F0} of your {usage.LimitSeconds} GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser). " +
            $"Nothing was stored. The quota resets at midnight UTC ({usage.ResetsUtc:yyyy-MM-dd HH:mm} UTC, in {(int)left.TotalHours} h {left.Minutes} min); submit again then, or ask an admin.");
    }
}
