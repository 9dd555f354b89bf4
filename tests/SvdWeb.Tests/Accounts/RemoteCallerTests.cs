using System.Net;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// Local mode judged by the connection's address: without accounts only this machine is the built-in admin. A caller
/// from another address is refused at request level, whatever X-Forwarded-For says.
/// </summary>
public sealed class RemoteCallerTests : IDisposable
{
    private SvdWebFactory _factory = new();

    [Fact]
    public async Task LocalMode_OffLoopbackCaller_UnauthorizedLoopbackIsLocalAdmin()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory);

        _factory.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        var remoteApi = await client.GetAsync("/api/gallery", ct);
        var remotePage = await client.GetAsync("/gallery", ct);
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/api/gallery") { Headers = { { "X-Forwarded-For", "127.0.0.1" } } };
        var remoteSpoofing = await client.SendAsync(spoofed, ct);
        _factory.RemoteIpAddress = IPAddress.IPv6Loopback;
        var localApi = await client.GetAsync("/api/gallery", ct);
        var localUsers = await client.GetAsync("/admin/users", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, remoteApi.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, remotePage.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, remoteSpoofing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localApi.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localUsers.StatusCode); // the local user is an admin
    }

    [Fact]
    public async Task LocalMode_OffLoopbackWithAllowRemote_LocalAdmin()
    {
        var ct = TestContext.Current.CancellationToken;
        _factory.Dispose();
        _factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:AllowRemoteWithoutAccounts"] = "true" })
        {
            RemoteIpAddress = IPAddress.Parse("192.0.2.10"),
        };

        var response = await SignIn.Client(_factory).GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
