using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SvdWeb.Accounts;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// Wrong passwords slow the address that sends them, never lock the account for its owner, and tell nothing about
/// which names exist; the login page shows only fixed messages. Real host and SQLite file; the client address is set
/// per request (<see cref="SvdWebFactory.RemoteIpAddress"/>).
/// </summary>
public sealed class SignInThrottleTests : IDisposable
{
    private static readonly IPAddress Attacker = IPAddress.Parse("192.0.2.66");
    private static readonly IPAddress Owner = IPAddress.Parse("192.0.2.10");

    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task WrongPasswords_FromOneAddress_ThrottleThatAddressNotTheOwner()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsAsync(ct);
        _factory.RemoteIpAddress = Attacker;
        for (var i = 0; i < SignInThrottle.FailuresPerName; i++)
            Assert.Equal("wrong", ErrorOf(await SignIn.PostAsync(SignIn.Client(_factory), "admin", $"guess number {i}", ct)));

        var attackerWithRightPassword = await SignIn.PostAsync(SignIn.Client(_factory), "admin", "admin password", ct);
        _factory.RemoteIpAddress = Owner;
        var owner = await SignIn.PostAsync(SignIn.Client(_factory), "admin", "admin password", ct);

        Assert.Equal("throttled", ErrorOf(attackerWithRightPassword));
        Assert.Equal("/", owner.Headers.Location?.OriginalString);
        Assert.Contains(_factory.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("failed sign-ins from 192.0.2.66 for admin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownAndKnownNames_SameAnswerAndThrottle()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsAsync(ct);
        _factory.RemoteIpAddress = Attacker;
        var answers = new List<string?>();
        foreach (var name in new[] { "admin", "nobody" })
        {
            for (var i = 0; i <= SignInThrottle.FailuresPerName; i++)
                answers.Add($"{name}:{ErrorOf(await SignIn.PostAsync(SignIn.Client(_factory), name, $"guess number {i}", ct))}");
        }

        string[] expected = [.. Enumerable.Repeat("admin:wrong", 5), "admin:throttled", .. Enumerable.Repeat("nobody:wrong", 5), "nobody:throttled"];
        Assert.Equal(expected, answers);
    }

    [Fact]
    public async Task UnknownName_TakesAsLongAsAWrongPasswordForAKnownOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsAsync(ct);
        // Warm both paths (JIT, the dummy hash) from an address of their own.
        _factory.RemoteIpAddress = IPAddress.Parse("192.0.2.1");
        await SignIn.PostAsync(SignIn.Client(_factory), "admin", "warm-up guess", ct);
        await SignIn.PostAsync(SignIn.Client(_factory), "nobody", "warm-up guess", ct);

        var (known, unknown) = await MediansAsync(("admin", IPAddress.Parse("192.0.2.2")), ("nobody", IPAddress.Parse("192.0.2.3")), ct);

        // Before, an unknown name answered in a hundredth of the time (no hash was checked).
        Assert.True(unknown > known * 0.5 && unknown < known * 2, $"known name {known.TotalMilliseconds:F0} ms, unknown {unknown.TotalMilliseconds:F0} ms");
    }

    [Theory]
    [InlineData("Your session expired: call +1 555 0100 to restore it")]
    [InlineData("<b>bold</b>")]
    public async Task LoginPage_ErrorTextInTheUrl_NotShown(string text)
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsAsync(ct);

        var page = await SignIn.Client(_factory).GetStringAsync($"/login?error={Uri.EscapeDataString(text)}", ct);
        var known = await SignIn.Client(_factory).GetStringAsync("/login?error=wrong", ct);

        Assert.DoesNotContain("login-error", page, StringComparison.Ordinal);
        Assert.DoesNotContain("555", page, StringComparison.Ordinal);
        Assert.Contains("Wrong user name or password.", known, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginForm_WithoutAntiforgeryToken_403Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsAsync(ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["userName"] = "admin", ["password"] = "admin password" });

        var refused = await SignIn.Client(_factory).PostAsync("/account/login", form, ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("antiforgery token is missing or invalid", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    /// <summary>
    /// Median sign-in time of each name, their attempts taken in turns, so that a change of load on a shared machine
    /// (another build starting) falls on both alike instead of on whichever was measured second.
    /// </summary>
    private async Task<(TimeSpan First, TimeSpan Second)> MediansAsync((string Name, IPAddress Address) first, (string Name, IPAddress Address) second, CancellationToken ct)
    {
        var times = new[] { new List<TimeSpan>(), new List<TimeSpan>() };
        // Under the throttle's limit, so every attempt checks a password.
        for (var i = 0; i < SignInThrottle.FailuresPerName - 1; i++)
        {
            foreach (var (k, (name, address)) in new[] { (0, first), (1, second) })
            {
                _factory.RemoteIpAddress = address;
                var client = SignIn.Client(_factory);
                // Includes fetching the form, the same work for both names.
                var clock = Stopwatch.StartNew();
                var response = await SignIn.PostAsync(client, name, $"guess {i}", ct);
                times[k].Add(clock.Elapsed);
                Assert.Equal("wrong", ErrorOf(response));
            }
        }
        return (Median(times[0]), Median(times[1]));
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);

    private static string? ErrorOf(HttpResponseMessage response)
    {
        var location = response.Headers.Location?.OriginalString ?? "";
        var query = location.IndexOf("error=", StringComparison.Ordinal);
        return query < 0 ? null : location[(query + "error=".Length)..].Split('&')[0];
    }

    private async Task AccountsAsync(CancellationToken ct) =>
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("admin", "admin password", admin: true, ct);

    public void Dispose() => _factory.Dispose();
}
