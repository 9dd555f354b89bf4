using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Jobs;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// Trusted reverse-proxy sign-in on the real host: the proxy's header names the account only when the connection comes
/// from a trusted address (10.9.0.0/16 here); from anywhere else it is ignored and logged.
/// </summary>
public sealed class ProxySignInTests : IDisposable
{
    private const string Header = "X-Forwarded-User";
    private static readonly IPAddress Proxy = IPAddress.Parse("10.9.3.4");
    private static readonly IPAddress Elsewhere = IPAddress.Parse("192.0.2.10");

    private SvdWebFactory _factory = Create();

    private static SvdWebFactory Create(bool provision = false) => new(settings: new Dictionary<string, string?>
    {
        ["SvdWeb:Accounts:ProxyHeader"] = Header,
        ["SvdWeb:Accounts:TrustedProxies:0"] = "10.9.0.0/16",
        ["SvdWeb:Accounts:TrustedProxies:1"] = "2001:db8::7",
        ["SvdWeb:Accounts:ProvisionProxyUsers"] = provision ? "true" : "false",
    });

    private AccountService Accounts => _factory.Services.GetRequiredService<AccountService>();

    [Fact]
    public async Task Header_FromTrustedProxy_ThatUserOwnsTheJob()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        _factory.RemoteIpAddress = Proxy;

        var response = await As("alice").PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        var page = await As("alice").GetAsync("/gallery", ct);
        var adminPage = await As("alice").GetAsync("/admin/users", ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct);
        var row = await _factory.Services.GetRequiredService<JobService>().FindAsync(job!.Id, ct);
        Assert.Equal((aliceId, "alice"), (row!.OwnerId, row.OwnerName));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, adminPage.StatusCode); // alice is a plain user, the proxy does not make her more
    }

    [Fact]
    public async Task Header_FromTrustedIpv6ProxyAndIpv4Mapped_Accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "alice password", admin: false, ct);

        _factory.RemoteIpAddress = IPAddress.Parse("2001:db8::7");
        var ipv6 = await As("alice").GetAsync("/api/gallery", ct);
        _factory.RemoteIpAddress = Proxy.MapToIPv6(); // how a dual-stack socket reports an IPv4 caller
        var mapped = await As("alice").GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.OK, ipv6.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mapped.StatusCode);
    }

    [Fact]
    public async Task Header_FromUntrustedAddress_IgnoredAndLoggedOncePerAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "alice password", admin: true, ct);
        _factory.RemoteIpAddress = Elsewhere;
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/api/gallery") { Headers = { { Header, "alice" }, { "X-Forwarded-For", Proxy.ToString() } } };

        var api = await As("alice").GetAsync("/api/gallery", ct);
        var withForwardedFor = await As("alice").SendAsync(spoofed, ct);
        var page = await As("alice").GetAsync("/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withForwardedFor.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost/login", page.Headers.Location?.ToString(), StringComparison.Ordinal);
        var warnings = _factory.Logs.Entries.Where(e => e.Category == typeof(TrustedProxies).FullName).ToArray();
        var warning = Assert.Single(warnings);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"Ignored the {Header} header from {Elsewhere}", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_UnknownName_ForbiddenSaysHowToAddTheAccount()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "alice password", admin: true, ct);
        _factory.RemoteIpAddress = Proxy;

        var api = await As("mallory").GetAsync("/api/gallery", ct);
        var page = await As("mallory").GetAsync("/gallery", ct);

        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync(ct));
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Contains("There is no SvdWeb account 'mallory'", detail, StringComparison.Ordinal);
        Assert.Contains("svdweb users add mallory", detail, StringComparison.Ordinal);
        Assert.Contains("ProvisionProxyUsers=true", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("There is no SvdWeb account 'mallory'", await page.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Null(await _factory.Services.CreateScope().ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync("mallory"));
    }

    [Fact]
    public async Task Header_DisabledAccount_ForbiddenUntilEnabled()
    {
        var ct = TestContext.Current.CancellationToken;
        var carolId = await Accounts.CreateAsync("carol", "carol password", admin: false, ct);
        await Accounts.SetDisabledAsync(carolId, disabled: true, ct);
        _factory.RemoteIpAddress = Proxy;

        var refused = await As("carol").GetAsync("/api/gallery", ct);
        await Accounts.SetDisabledAsync(carolId, disabled: false, ct);
        var allowed = await As("carol").GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("The account carol is disabled", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Header_TwoValues_Forbidden()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        _factory.RemoteIpAddress = Proxy;
        var client = SignIn.Client(_factory);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/gallery");
        request.Headers.Add(Header, ["alice", "root"]);

        var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("exactly one user name", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_UnknownNameWithProvisioning_NewPlainUserOwnsTheJob()
    {
        var ct = TestContext.Current.CancellationToken;
        _factory.Dispose();
        _factory = Create(provision: true);
        _factory.RemoteIpAddress = Proxy;

        var first = await As("dora").GetAsync("/api/gallery", ct);
        var submitted = await As("dora").PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        var adminPage = await As("dora").GetAsync("/admin/users", ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var listed = Assert.Single(await Accounts.ListAsync(ct));
        Assert.Equal(("dora", false, false), (listed.UserName, listed.IsAdmin, listed.IsDisabled));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var job = await submitted.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct);
        Assert.Equal("dora", (await _factory.Services.GetRequiredService<JobService>().FindAsync(job!.Id, ct))!.OwnerName);
        Assert.Equal(HttpStatusCode.Forbidden, adminPage.StatusCode);
    }

    [Fact]
    public async Task ProxyMode_NoAccountsNoHeader_NotLocalAdmin()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory); // loopback: the test server's in-process caller

        var api = await client.GetAsync("/api/gallery", ct);
        var login = await client.GetStringAsync("/login", ct);

        // The proxy may run on this machine; a request it forwards without the header must not be the admin.
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.DoesNotContain("local-mode", login, StringComparison.Ordinal);
        Assert.Contains("id=\"login-form\"", login, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyMode_BearerToken_StillTheTokensOwner()
    {
        var ct = TestContext.Current.CancellationToken;
        var bobId = await Accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var secret = (await _factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(bobId, "script", ct)).Secret;
        _factory.RemoteIpAddress = Elsewhere;
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

        var response = await client.GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ProxyMode_LocalUsersToken_NoLongerWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        // Made while the data folder had no proxy sign-in; now the server is shared, and "local" is nobody.
        var secret = (await _factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(JobOwner.Local.Id, "old local script", ct)).Secret;
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

        var refused = await client.GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("local user of a server that now has accounts (or proxy sign-in)", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_HeaderWithoutTrustedProxies_FailsNamingTheFix()
    {
        using var factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:Accounts:ProxyHeader"] = Header });
        try
        {
            var refused = Assert.Throws<OptionsValidationException>(() => factory.Services);

            Assert.Contains("SvdWeb:Accounts:TrustedProxies is empty", refused.Message, StringComparison.Ordinal);
            Assert.Contains("SvdWeb__Accounts__TrustedProxies__0=127.0.0.1", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(factory.DataFolder, recursive: true);
        }
    }

    /// <summary>A client whose every request carries the proxy's header naming this user.</summary>
    private HttpClient As(string userName)
    {
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Add(Header, userName);
        return client;
    }

    public void Dispose() => _factory.Dispose();
}
