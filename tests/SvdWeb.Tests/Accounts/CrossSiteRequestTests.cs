using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// Requests a page of another app on the same host (another port: same-site for the browser) would make with the
/// user's browser, against the real host and SQLite file: refused with 403 problem details unless they come from
/// SvdWeb's own origin or carry an API token.
/// </summary>
public sealed class CrossSiteRequestTests : IDisposable
{
    private const string OtherPort = "http://localhost:8888";

    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Cookie_PostJobFromAnotherPortsPage_RefusedAndNothingQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await SignedInAsync(ct);

        var refused = await SendAsync(client, HttpMethod.Post, "/api/jobs", OtherPort, null, ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));

        await AssertRefusedAsync(refused, ct);
        Assert.Equal(0, await CountJobsAsync(ct));
    }

    [Theory]
    [InlineData("same-site")]
    [InlineData("cross-site")]
    public async Task Cookie_DeleteWithSecFetchSiteOfAnotherSite_RefusedAndJobKept(string site)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await SignedInAsync(ct);
        var id = await SubmitAsync(client, ct);

        var refused = await SendAsync(client, HttpMethod.Delete, $"/api/jobs/{id}", null, site, ct);

        await AssertRefusedAsync(refused, ct);
        Assert.Equal(1, await CountJobsAsync(ct));
    }

    [Fact]
    public async Task LocalMode_CancelFromAnySitesPage_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory);
        var id = await SubmitAsync(client, ct);

        var refused = await SendAsync(client, HttpMethod.Post, $"/api/jobs/{id}/cancel", "https://evil.example", "cross-site", ct);

        await AssertRefusedAsync(refused, ct);
        var job = await client.GetFromJsonAsync<JobDto>($"/api/jobs/{id}", JobRequests.Json, ct);
        Assert.NotEqual(JobStatus.Cancelled, job!.Status);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("https://localhost")]
    [InlineData("http://localhost.evil.example")]
    public async Task Cookie_OriginNotExactlyThisServer_Refused(string origin)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await SignedInAsync(ct);

        var refused = await SendAsync(client, HttpMethod.Post, "/api/jobs", origin, null, ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));

        await AssertRefusedAsync(refused, ct);
    }

    [Fact]
    public async Task Cookie_OwnPagesOriginOrNoBrowserHeaders_Accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await SignedInAsync(ct);

        var ownOrigin = await SendAsync(client, HttpMethod.Post, "/api/jobs", "http://localhost", null, ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));
        var sameOrigin = await SendAsync(client, HttpMethod.Post, "/api/jobs", "https://tls.proxy.example", "same-origin", ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));
        var script = await SendAsync(client, HttpMethod.Post, "/api/jobs", null, null, ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted), (ownOrigin.StatusCode, sameOrigin.StatusCode, script.StatusCode));
    }

    [Fact]
    public async Task Bearer_ForeignOrigin_Accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        var aliceId = await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var made = await _factory.Services.GetRequiredService<ApiTokenService>().CreateAsync(aliceId, "notebook", ct);
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", made.Secret);

        var response = await SendAsync(client, HttpMethod.Post, "/api/jobs", OtherPort, "same-site", ct, JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task LoginForm_PostedFromAnotherPortsPage_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("alice", "alice password", admin: false, ct);
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Add("Origin", OtherPort);

        var refused = await SignIn.PostAsync(client, "alice", "alice password", ct);

        await AssertRefusedAsync(refused, ct);
        Assert.DoesNotContain(refused.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("svdweb.auth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WebSocketUpgrade_ToTheHubFromAnotherPortsPage_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hubs/progress?id=x");
        request.Headers.Add("Origin", OtherPort);
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Connection", "Upgrade");

        var refused = await client.SendAsync(request, ct);

        await AssertRefusedAsync(refused, ct);
    }

    private async Task<HttpClient> SignedInAsync(CancellationToken ct)
    {
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("alice", "alice password", admin: false, ct);
        return await SignIn.AsAsync(_factory, "alice", "alice password", ct);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? origin, string? fetchSite, CancellationToken ct, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (origin is not null) request.Headers.Add("Origin", origin);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return await client.SendAsync(request, ct);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("Cross-site request refused", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("Authorization: Bearer", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<int> CountJobsAsync(CancellationToken ct)
    {
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        return await db.Jobs.CountAsync(ct);
    }

    public void Dispose() => _factory.Dispose();
}
