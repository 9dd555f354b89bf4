using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>The authorization matrix of the job-changing API endpoints: owner, another user, an admin.</summary>
public sealed class OwnershipTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task CancelAndDelete_OtherUsersJob_ForbiddenProblemOwnerAndAdminAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        await accounts.CreateAsync("root", "root password", admin: true, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var bob = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var admin = await SignIn.AsAsync(_factory, "root", "root password", ct);
        var first = await SubmitAsync(alice, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", ct);
        var second = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);

        var bobCancels = await bob.PostAsync($"/api/jobs/{first}/cancel", null, ct);
        var bobDeletes = await bob.DeleteAsync($"/api/jobs/{second}", ct);
        var aliceCancels = await alice.PostAsync($"/api/jobs/{first}/cancel", null, ct);
        var adminDeletes = await admin.DeleteAsync($"/api/jobs/{second}", ct);

        Assert.Equal(HttpStatusCode.Forbidden, bobCancels.StatusCode);
        Assert.Equal("application/problem+json", bobCancels.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await bobCancels.Content.ReadAsStringAsync(ct));
        Assert.Contains("belongs to alice; only its owner or an admin", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, bobDeletes.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, aliceCancels.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, adminDeletes.StatusCode);
        Assert.Equal(JobStatus.Cancelled, (await JobPolls.WaitForEndAsync(alice, first, ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/jobs/{first}", ct)).StatusCode);
    }

    [Fact]
    public async Task RevokeToken_OtherUsersToken_RefusedAndTheTokenKeepsWorking()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        var tokens = _factory.Services.GetRequiredService<ApiTokenService>();
        var aliceId = await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var bobId = await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var alices = await tokens.CreateAsync(aliceId, "lab script", ct);

        // The tokens page revokes as the signed-in user; another user's token id is not theirs to revoke.
        var refused = await Assert.ThrowsAsync<AccountException>(() => tokens.RevokeAsync(bobId, alices.Token.Id, ct));

        Assert.Contains("You have no token", refused.Message, StringComparison.Ordinal);
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", alices.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);
    }

    [Fact]
    public async Task DeleteAndPrivate_OwnFinishedJob_OwnerAllowedOtherForbidden()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var bob = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var id = await SubmitAsync(alice, JobRequests.SmallRecipe, ct);
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(alice, id, ct)).Status);

        var bobCancelsEnded = await bob.PostAsync($"/api/jobs/{id}/cancel", null, ct);
        var bobHides = await bob.PostAsJsonAsync($"/api/jobs/{id}/private", new { @private = true }, ct);
        var bobDeletes = await bob.DeleteAsync($"/api/jobs/{id}", ct);
        var bobReadsVideo = await bob.GetAsync($"/api/jobs/{id}/video", ct);
        var aliceDeletes = await alice.DeleteAsync($"/api/jobs/{id}", ct);

        Assert.Equal(HttpStatusCode.Forbidden, bobCancelsEnded.StatusCode); // ownership is checked before the job's state
        Assert.Equal(HttpStatusCode.Forbidden, bobHides.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bobDeletes.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bobReadsVideo.StatusCode); // public items are for everyone signed in to see
        Assert.Equal(HttpStatusCode.NoContent, aliceDeletes.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/jobs/{id}", ct)).StatusCode);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public void Dispose() => _factory.Dispose();
}
