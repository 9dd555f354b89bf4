using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Accounts;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// What the progress hub allowed when a job was followed is withdrawn when it no longer holds: the job made private,
/// the follower's token revoked, the follower's account disabled. Real host, real SQLite file, hub over WebSockets.
/// </summary>
public sealed class ProgressHubRevocationTests : IAsyncDisposable
{
    private const string Blocker = """{"height":128,"width":256,"numFrames":6,"numInferenceSteps":8,"seed":1}""";

    private readonly SvdWebFactory _factory = new();

    private AccountService Accounts => _factory.Services.GetRequiredService<AccountService>();

    private ApiTokenService Tokens => _factory.Services.GetRequiredService<ApiTokenService>();

    [Fact]
    public async Task MadePrivateWhileFollowed_OtherFollowerUnfollowedAndGetsNothingMoreOwnerKeepsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, aliceSecret, _, bobSecret, _) = await PeopleAsync(ct);
        var blocker = await SubmitAsync(alice, Blocker, ct);
        var job = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        await using var aliceHub = Hub(aliceSecret);
        await using var bobHub = Hub(bobSecret);
        var ownerFinished = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        aliceHub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            if (p.JobId == job && p.IsFinal) ownerFinished.TrySetResult(p);
        });
        var unfollowed = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterUnfollowed = 0;
        bobHub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            if (unfollowed.Task.IsCompleted) Interlocked.Increment(ref afterUnfollowed);
        });
        bobHub.On<Guid>(ProgressFollowers.UnfollowedMethod, id => unfollowed.TrySetResult(id));
        await aliceHub.StartAsync(ct);
        await bobHub.StartAsync(ct);
        await aliceHub.InvokeAsync("Follow", job, ct);
        await bobHub.InvokeAsync("Follow", job, ct);

        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/jobs/{job}/private", new { @private = true }, ct)).StatusCode);

        Assert.Equal(job, await unfollowed.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
        var last = await ownerFinished.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);
        Assert.Equal(JobStatus.Succeeded, last.Status);
        Assert.Equal(0, Volatile.Read(ref afterUnfollowed));
        await alice.PostAsync($"/api/jobs/{blocker}/cancel", null, ct);
    }

    [Fact]
    public async Task TokenRevokedWhileFollowing_ConnectionClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, bobId, bobSecret, bobToken) = await PeopleAsync(ct);
        var job = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        await using var bobHub = Hub(bobSecret);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bobHub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await bobHub.StartAsync(ct);
        await bobHub.InvokeAsync("Follow", job, ct);

        await Tokens.RevokeAsync(bobId, bobToken, ct);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(HubConnectionState.Disconnected, bobHub.State);
    }

    [Fact]
    public async Task AccountDisabledWhileFollowing_ConnectionClosed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, bobId, bobSecret, _) = await PeopleAsync(ct);
        var job = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        await using var bobHub = Hub(bobSecret);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bobHub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await bobHub.StartAsync(ct);
        await bobHub.InvokeAsync("Follow", job, ct);

        await Accounts.SetDisabledAsync(bobId, disabled: true, ct);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(HubConnectionState.Disconnected, bobHub.State);
    }

    private async Task<(HttpClient Alice, string AliceSecret, string BobId, string BobSecret, Guid BobToken)> PeopleAsync(CancellationToken ct)
    {
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var bobId = await Accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var aliceSecret = (await Tokens.CreateAsync(aliceId, "watcher", ct)).Secret;
        var bob = await Tokens.CreateAsync(bobId, "watcher", ct);
        var alice = SignIn.Client(_factory);
        alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aliceSecret);
        return (alice, aliceSecret, bobId, bob.Secret, bob.Token.Id);
    }

    /// <summary>A WebSocket with the token in its query, as a browser's SignalR client sends it.</summary>
    private HubConnection Hub(string secret)
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

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
