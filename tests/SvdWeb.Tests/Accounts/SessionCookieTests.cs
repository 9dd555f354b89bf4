using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// The sign-in cookie is Secure when the request was HTTPS, as the TLS-ending reverse proxy (a trusted proxy) says with
/// X-Forwarded-Proto; nobody else can make it so. Real host and SQLite file, proxy sign-in configured.
/// </summary>
public sealed class SessionCookieTests : IDisposable
{
    private static readonly IPAddress Proxy = IPAddress.Parse("192.0.2.5");

    private readonly SvdWebFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["SvdWeb:Accounts:ProxyHeader"] = "X-Forwarded-User",
        ["SvdWeb:Accounts:TrustedProxies:0"] = Proxy.ToString(),
    });

    [Theory]
    [InlineData("192.0.2.5", "https", true)]
    [InlineData("192.0.2.5", null, false)]
    [InlineData("192.0.2.99", "https", false)]
    public async Task SignIn_CookieSecureOnlyWhenATrustedProxySaysHttps(string from, string? forwardedProto, bool secure)
    {
        var ct = TestContext.Current.CancellationToken;
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("alice", "alice password", admin: false, ct);
        _factory.RemoteIpAddress = IPAddress.Parse(from);
        var client = SignIn.Client(_factory);
        if (forwardedProto is not null) client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);

        var response = await SignIn.PostAsync(client, "alice", "alice password", ct);

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("svdweb.auth=", StringComparison.Ordinal));
        Assert.Equal(secure, cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        // Persistent for the documented 14 days.
        var expires = DateTimeOffset.Parse(cookie.Split("expires=", StringSplitOptions.None)[1].Split(';')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromDays(13.9), TimeSpan.FromDays(14.1));
    }

    public void Dispose() => _factory.Dispose();
}
