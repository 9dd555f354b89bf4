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
        var second = await SubmitAsync(alice, JobsApiTests.SmallRecipe, ct);

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
        Assert.Equal(GenerationStatus.Cancelled, (await JobsApiTests.WaitForEndAsync(alice, first, ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/jobs/{first}", ct)).StatusCode);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobsApiTests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobsApiTests.Json, ct))!.Id;
    }

    public void Dispose() => _factory.Dispose();
}
