using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Accounts;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>POST /api/jobs/{id}/move and an admin's cancel, on the real host with accounts (one CPU worker, tiny pack).</summary>
public sealed class QueueMoveApiTests : IDisposable
{
    private const string LongRecipe = """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""";
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Move_AdminUserAndEndedJob_AdminMovesOthers403EndedJob409()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, admin) = await SignInAllAsync(ct);
        var blocker = await SubmitAsync(bob, LongRecipe, ct);
        await JobPolls.WaitForStatusAsync(bob, blocker, JobStatus.Running, ct);
        var first = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        var second = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        var bobs = await SubmitAsync(bob, JobRequests.SmallRecipe, ct);

        var ownerTries = await MoveAsync(alice, second, "front", ct);
        var otherTries = await MoveAsync(bob, second, "up", ct);
        var adminMoves = await MoveAsync(admin, bobs, "front", ct);
        var running = await MoveAsync(admin, blocker, "down", ct);
        var badTarget = await MoveAsync(admin, second, "sideways", ct);
        var adminSwaps = await MoveAsync(admin, second, "up", ct);

        foreach (var refused in new[] { ownerTries, otherTries })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Only an admin may move jobs in the queue", await DetailAsync(refused, ct), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, adminMoves.StatusCode);
        var moved = (await adminMoves.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        Assert.Equal(1, moved.QueuePosition);
        Assert.True(moved.Pinned);
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Equal("application/problem+json", running.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Job {blocker} is Running; only a waiting job can be moved.", await DetailAsync(running, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badTarget.StatusCode);
        Assert.Contains("\"front\", \"unpin\", \"up\" or \"down\", but is 'sideways'", await DetailAsync(badTarget, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, adminSwaps.StatusCode);
        // Bob's pinned job first (his turn), then Alice's two, swapped.
        var swapped = (await adminSwaps.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        Assert.Equal(2, swapped.QueuePosition);
        Assert.False(swapped.Pinned);
        Assert.Equal(3, (await admin.GetFromJsonAsync<JobDto>($"/api/jobs/{first}", JobRequests.Json, ct))!.QueuePosition);

        await admin.PostAsync($"/api/jobs/{blocker}/cancel", null, ct);
        var ended = new List<JobDto>();
        foreach (var id in new[] { first, second, bobs }) ended.Add(await JobPolls.WaitForEndAsync(admin, id, ct));
        Assert.Equal([bobs, second, first], ended.OrderBy(j => j.StartedUtc).Select(j => j.Id));
        var afterEnd = await MoveAsync(admin, first, "front", ct);
        Assert.Equal(HttpStatusCode.Conflict, afterEnd.StatusCode);
        Assert.Contains("is Succeeded; only a waiting job can be moved", await DetailAsync(afterEnd, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unpin_UserNotPinnedAndPinnedJob_User403NotPinned409AdminUnpinsToOriginalPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, admin) = await SignInAllAsync(ct);
        var blocker = await SubmitAsync(bob, LongRecipe, ct);
        await JobPolls.WaitForStatusAsync(bob, blocker, JobStatus.Running, ct);
        var first = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        var second = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        var bobs = await SubmitAsync(bob, JobRequests.SmallRecipe, ct);
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(admin, second, "front", ct)).StatusCode);

        var ownerTries = await MoveAsync(alice, second, "unpin", ct);
        var notPinned = await MoveAsync(admin, first, "unpin", ct);
        var adminUnpins = await MoveAsync(admin, second, "unpin", ct);

        Assert.Equal(HttpStatusCode.Forbidden, ownerTries.StatusCode);
        Assert.Contains("Only an admin may move jobs in the queue", await DetailAsync(ownerTries, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, notPinned.StatusCode);
        Assert.Equal("application/problem+json", notPinned.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Job {first} is not pinned to the front", await DetailAsync(notPinned, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, adminUnpins.StatusCode);
        var unpinned = (await adminUnpins.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        // Back behind Alice's first job, after Bob's turn: the order before the pin.
        Assert.False(unpinned.Pinned);
        Assert.Equal(3, unpinned.QueuePosition);
        Assert.Equal(1, (await admin.GetFromJsonAsync<JobDto>($"/api/jobs/{first}", JobRequests.Json, ct))!.QueuePosition);
        Assert.Equal(2, (await admin.GetFromJsonAsync<JobDto>($"/api/jobs/{bobs}", JobRequests.Json, ct))!.QueuePosition);
        var again = await MoveAsync(admin, second, "unpin", ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        foreach (var id in new[] { first, second, bobs, blocker }) await admin.PostAsync($"/api/jobs/{id}/cancel", null, ct);
    }

    [Fact]
    public async Task Cancel_AdminOnOtherUsersQueuedAndRunningJobs_BothCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, admin) = await SignInAllAsync(ct);
        var running = await SubmitAsync(alice, LongRecipe, ct);
        await JobPolls.WaitForStatusAsync(alice, running, JobStatus.Running, ct);
        var waiting = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);

        var cancelWaiting = await admin.PostAsync($"/api/jobs/{waiting}/cancel", null, ct);
        var cancelRunning = await admin.PostAsync($"/api/jobs/{running}/cancel", null, ct);

        Assert.Equal(HttpStatusCode.Accepted, cancelWaiting.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelRunning.StatusCode);
        var waitingEnd = await JobPolls.WaitForEndAsync(alice, waiting, ct);
        Assert.Equal(JobStatus.Cancelled, waitingEnd.Status);
        Assert.Null(waitingEnd.StartedUtc);
        Assert.Equal(JobStatus.Cancelled, (await JobPolls.WaitForEndAsync(alice, running, ct)).Status);
    }

    private async Task<(HttpClient Alice, HttpClient Bob, HttpClient Admin)> SignInAllAsync(CancellationToken ct)
    {
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        await accounts.CreateAsync("root", "root password", admin: true, ct);
        return (await SignIn.AsAsync(_factory, "alice", "alice password", ct), await SignIn.AsAsync(_factory, "bob", "bob password", ct),
            await SignIn.AsAsync(_factory, "root", "root password", ct));
    }

    private static Task<HttpResponseMessage> MoveAsync(HttpClient client, Guid id, string to, CancellationToken ct) =>
        client.PostAsJsonAsync($"/api/jobs/{id}/move", new { to }, ct);

    private static async Task<string?> DetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return problem.RootElement.GetProperty("detail").GetString();
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }


    public void Dispose() => _factory.Dispose();
}
