using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>Private items and SvdWeb:OnlyOwnItems, through the API and the gallery page, with two users and an admin.</summary>
public sealed class PrivateItemsTests : IDisposable
{
    private SvdWebFactory _factory = new();

    [Fact]
    public async Task PrivateItem_OtherUser_AbsentEverywhereOwnerAndAdminSeeIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, admin) = await ThreeUsersAsync(ct);
        var id = await SubmitAsync(alice, ct);
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(alice, id, ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/jobs/{id}/thumbnail.png", ct)).StatusCode);

        var made = await SetPrivateAsync(alice, id, true, ct);

        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        Assert.True((await made.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.IsPrivate);
        foreach (var path in new[] { "", "/video", "/frames.zip", "/input.png", "/thumbnail.png", "/preview.gif" })
            Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/jobs/{id}{path}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/api/jobs/{id}/cancel", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/jobs/{id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SetPrivateAsync(bob, id, false, ct)).StatusCode);
        Assert.DoesNotContain(id, await GalleryIdsAsync(bob, ct));
        Assert.Contains(id, await GalleryIdsAsync(alice, ct));
        Assert.Contains(id, await GalleryIdsAsync(admin, ct));
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/jobs/{id}/video", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/jobs/{id}/video", ct)).StatusCode);
    }

    [Fact]
    public async Task SetPrivate_OtherUsersPublicItem_ForbiddenAdminMayThenPublicAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, admin) = await ThreeUsersAsync(ct);
        var id = await SubmitAsync(alice, ct);

        var bobTries = await SetPrivateAsync(bob, id, true, ct);
        var adminHides = await SetPrivateAsync(admin, id, true, ct);
        var hiddenFromBob = await bob.GetAsync($"/api/jobs/{id}", ct);
        var aliceShows = await SetPrivateAsync(alice, id, false, ct);

        Assert.Equal(HttpStatusCode.Forbidden, bobTries.StatusCode);
        Assert.Contains("only its owner or an admin", await bobTries.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, adminHides.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hiddenFromBob.StatusCode);
        Assert.Equal(HttpStatusCode.OK, aliceShows.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/jobs/{id}", ct)).StatusCode);
    }

    [Fact]
    public async Task SetPrivate_NoBody_BadRequestShowsTheJson()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory); // local mode: the local admin
        var id = await SubmitAsync(client, ct);

        var response = await client.PostAsync($"/api/jobs/{id}/private", JsonContent.Create<object?>(null), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var message = problem.RootElement.GetProperty("errors").GetProperty("private")[0].GetString();
        Assert.Contains("{\"private\": true}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gallery_PrivateItemOfOther_NotOnGalleryPage()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, _) = await ThreeUsersAsync(ct);
        var hidden = await SubmitAsync(alice, ct);
        var shown = await SubmitAsync(alice, ct);
        Assert.Equal(HttpStatusCode.OK, (await SetPrivateAsync(alice, hidden, true, ct)).StatusCode);
        var bobPage = await SignIn.AsAsync(_factory, "bob", "bob password", ct);

        var html = await bobPage.GetStringAsync("/gallery", ct);

        Assert.Contains($"/gallery/{shown}", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"/gallery/{hidden}", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await bobPage.GetAsync($"/gallery/{shown}", ct)).StatusCode);
        Assert.Contains("id=\"detail-missing\"", await bobPage.GetStringAsync($"/gallery/{hidden}", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gallery_OnlyOwnItems_UsersSeeOwnAdminSeesAll()
    {
        var ct = TestContext.Current.CancellationToken;
        _factory.Dispose();
        _factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:OnlyOwnItems"] = "true" });
        var (alice, bob, admin) = await ThreeUsersAsync(ct);
        var aliceJob = await SubmitAsync(alice, ct);
        var bobJob = await SubmitAsync(bob, ct);
        var alicePage = await SignIn.AsAsync(_factory, "alice", "alice password", ct);

        Assert.Equal([aliceJob], await GalleryIdsAsync(alice, ct));
        Assert.Equal([bobJob], await GalleryIdsAsync(bob, ct));
        Assert.Equal(new[] { aliceJob, bobJob }.Order(), (await GalleryIdsAsync(admin, ct)).Order());
        var html = await alicePage.GetStringAsync("/gallery", ct);
        Assert.Contains($"/gallery/{aliceJob}", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"/gallery/{bobJob}", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuePage_PrivateItemOfOther_NeitherNameNorLink()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, _) = await ThreeUsersAsync(ct);
        // Big enough to stay in the queue (running or waiting) while the pages are read.
        var id = await SubmitAsync(alice, ct, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", "alice-secret.png");
        Assert.Equal(HttpStatusCode.OK, (await SetPrivateAsync(alice, id, true, ct)).StatusCode);
        var bobPage = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var alicePage = await SignIn.AsAsync(_factory, "alice", "alice password", ct);

        var bobHtml = await bobPage.GetStringAsync("/queue", ct);
        var aliceHtml = await alicePage.GetStringAsync("/queue", ct);

        Assert.Contains("private item", bobHtml, StringComparison.Ordinal);
        Assert.DoesNotContain($"/gallery/{id}", bobHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("alice-secret.png", bobHtml, StringComparison.Ordinal);
        Assert.Contains("alice-secret.png", aliceHtml, StringComparison.Ordinal);
        Assert.Contains($"/gallery/{id}", aliceHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync($"/api/jobs/{id}/cancel", null, ct)).StatusCode);
    }

    [Fact]
    public async Task Follow_PrivateJobOfOther_HubSaysNoSuchJobOwnerMayFollow()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, _) = await ThreeUsersAsync(ct);
        var id = await SubmitAsync(alice, ct, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""");
        Assert.Equal(HttpStatusCode.OK, (await SetPrivateAsync(alice, id, true, ct)).StatusCode);
        await using var bobHub = Hub(bob);
        await using var aliceHub = Hub(alice);
        await bobHub.StartAsync(ct);
        await aliceHub.StartAsync(ct);

        var refused = await Assert.ThrowsAsync<HubException>(() => bobHub.InvokeAsync("Follow", id, ct));
        await aliceHub.InvokeAsync("Follow", id, ct);

        Assert.Contains($"There is no job {id}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsync($"/api/jobs/{id}/cancel", null, ct)).StatusCode);
    }

    [Fact]
    public async Task CreatePage_RemixOfOthersPrivateItem_NotPrefilled()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _, _) = await ThreeUsersAsync(ct);
        var hidden = await SubmitAsync(alice, ct);
        var shown = await SubmitAsync(alice, ct);
        Assert.Equal(HttpStatusCode.OK, (await SetPrivateAsync(alice, hidden, true, ct)).StatusCode);
        var bobPage = await SignIn.AsAsync(_factory, "bob", "bob password", ct);

        var remixShown = await bobPage.GetStringAsync($"/create?remix={shown}", ct);
        var remixHidden = await bobPage.GetStringAsync($"/create?remix={hidden}", ct);

        Assert.Contains("id=\"input-preview\"", remixShown, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"input-preview\"", remixHidden, StringComparison.Ordinal);
    }

    private HubConnection Hub(HttpClient client) => Integration.ProgressHubClient.LongPolling(_factory.Server, client.DefaultRequestHeaders.Authorization!.Parameter);

    private async Task<(HttpClient Alice, HttpClient Bob, HttpClient Admin)> ThreeUsersAsync(CancellationToken ct)
    {
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        var tokens = _factory.Services.GetRequiredService<ApiTokenService>();
        async Task<HttpClient> UserAsync(string name, bool admin)
        {
            var id = await accounts.CreateAsync(name, $"{name} password", admin, ct);
            var client = SignIn.Client(_factory);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await tokens.CreateAsync(id, "test", ct)).Secret);
            return client;
        }
        return (await UserAsync("alice", false), await UserAsync("bob", false), await UserAsync("root", true));
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, CancellationToken ct, string recipe = JobRequests.SmallRecipe, string fileName = "logo.png")
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe, fileName), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    private static Task<HttpResponseMessage> SetPrivateAsync(HttpClient client, Guid id, bool isPrivate, CancellationToken ct) =>
        client.PostAsJsonAsync($"/api/jobs/{id}/private", new { @private = isPrivate }, ct);

    private static async Task<Guid[]> GalleryIdsAsync(HttpClient client, CancellationToken ct) =>
        (await client.GetFromJsonAsync<PageDto<JobDto>>("/api/gallery?pageSize=200", JobRequests.Json, ct))!.Items.Select(j => j.Id).ToArray();

    public void Dispose() => _factory.Dispose();
}
