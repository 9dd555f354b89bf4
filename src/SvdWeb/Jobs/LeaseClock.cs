namespace SvdWeb.Jobs;

/// <summary>
/// The clock leases are dated by (claims, renewals, expiry): the system's wall clock, since lease times are compared
/// across hosts, never the app's <see cref="TimeProvider"/>, which dates the run itself and which a test may stop. A
/// type of its own so that a test can let lease time pass without waiting for it.
/// </summary>
public sealed class LeaseClock(TimeProvider time)
{
    public static LeaseClock System { get; } = new(TimeProvider.System);

    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
}
