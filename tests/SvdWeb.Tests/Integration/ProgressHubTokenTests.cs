using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;
using SvdWeb.Tests.Accounts;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// Scripts reach the progress hub with a personal access token: as a bearer header on HTTP requests (negotiate, long
/// polling), and as the access_token query parameter on the WebSocket request, the way browsers must send it.
/// </summary>
public sealed class ProgressHubTokenTests : IAsyncDisposable
{
    private readonly SvdWebFactory _factory = new();

    private AccountService Accounts => _factory.Services.GetRequiredService<AccountService>();

    private ApiTokenService Tokens => _factory.Services.GetRequiredService<ApiTokenService>();

    [Fact]
    public async Task Follow_TokenInWebSocketQuery_ReceivesOwnJobOthersPrivateJobRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var bobId = await Accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var aliceSecret = (await Tokens.CreateAsync(aliceId, "watcher", ct)).Secret;
        var bobSecret = (await Tokens.CreateAsync(bobId, "watcher", ct)).Secret;
        var alice = Bearer(aliceSecret);
        var job = await SubmitAsync(alice, ct);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/jobs/{job}/private", new { @private = true }, ct)).StatusCode);
        await using var aliceHub = WebSocketWithQueryToken(aliceSecret);
        await using var bobHub = WebSocketWithQueryToken(bobSecret);
        var finished = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        aliceHub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            if (p.IsFinal) finished.TrySetResult(p);
        });
        await aliceHub.StartAsync(ct);
        await bobHub.StartAsync(ct);

        await aliceHub.InvokeAsync("Follow", job, ct);
        var refused = await Assert.ThrowsAsync<HubException>(() => bobHub.InvokeAsync("Follow", job, ct));

        Assert.Contains($"There is no job {job}", refused.Message, StringComparison.Ordinal);
        var last = await finished.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
        Assert.Equal((job, JobStatus.Succeeded), (last.JobId, last.Status));
    }

    [Fact]
    public async Task Connect_RevokedToken_RefusedOnEveryTransport()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var made = await Tokens.CreateAsync(aliceId, "old script", ct);
        await using (var before = LongPolling(made.Secret))
        {
            await before.StartAsync(ct); // the token works until it is revoked
        }

        await Tokens.RevokeAsync(aliceId, made.Token.Id, ct);
        await using var polling = LongPolling(made.Secret);
        await using var socket = WebSocketWithQueryToken(made.Secret);
        var pollingRefused = await Assert.ThrowsAsync<HttpRequestException>(() => polling.StartAsync(ct));
        var socketRefused = await Assert.ThrowsAnyAsync<Exception>(() => socket.StartAsync(ct));

        Assert.Equal(HttpStatusCode.Unauthorized, pollingRefused.StatusCode);
        Assert.Contains("401", socketRefused.ToString(), StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Disconnected, socket.State);
    }

    [Fact]
    public async Task Connect_NoTokenOffLoopbackInLocalMode_RefusedLoopbackAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        _factory.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        await using var remote = LongPolling(secret: null);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => remote.StartAsync(ct));

        _factory.RemoteIpAddress = IPAddress.Loopback;
        await using var local = LongPolling(secret: null);
        await local.StartAsync(ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HubConnectionState.Connected, local.State);
    }

    [Fact]
    public async Task Connect_TokenInQueryOffHubPath_NotAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var secret = (await Tokens.CreateAsync(aliceId, "script", ct)).Secret;
        var client = SignIn.Client(_factory);

        var api = await client.GetAsync($"/api/gallery?{ApiTokenHandler.QueryParameter}={Uri.EscapeDataString(secret)}", ct);
        var negotiate = await client.PostAsync($"{ProgressHub.Path}/negotiate?negotiateVersion=1&{ApiTokenHandler.QueryParameter}={Uri.EscapeDataString(secret)}", null, ct);

        // Query-string tokens end up in access logs; only the hub, whose WebSocket cannot carry a header, takes one.
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
    }

    private HttpClient Bearer(string secret)
    {
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>HTTP long polling; the client sends the token as a bearer header on negotiate and every poll.</summary>
    private HubConnection LongPolling(string? secret) => ProgressHubClient.LongPolling(_factory.Server, secret);

    /// <summary>
    /// A WebSocket straight away (no negotiate request), the token only in the query string, as a browser sends it:
    /// the test server's WebSocket client carries no headers, so the query is the only way the token can arrive.
    /// </summary>
    private HubConnection WebSocketWithQueryToken(string secret)
    {
        var server = _factory.Server;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, ProgressHub.Path), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.WebSocketFactory = async (context, token) =>
                {
                    var separator = string.IsNullOrEmpty(context.Uri.Query) ? "?" : "&";
                    var uri = new Uri($"{context.Uri}{separator}{ApiTokenHandler.QueryParameter}={Uri.EscapeDataString(secret)}");
                    return await server.CreateWebSocketClient().ConnectAsync(uri, token);
                };
            })
            .AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
