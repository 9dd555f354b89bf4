namespace SvdWeb.Tests;

/// <summary>A clock that stands still until the test moves it: for day boundaries without waiting for midnight.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset now) => _now = now;
}
