using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>Personal access tokens on the real host and SQLite file: made by the service, sent as a bearer header.</summary>
public sealed class ApiTokenTests : IDisposable
{
    private readonly MovableClock _clock = new();
    private readonly SvdWebFactory _factory;

    public ApiTokenTests() => _factory = new(services: s => s.AddSingleton<TimeProvider>(_clock));

    private AccountService Accounts => _factory.Services.GetRequiredService<AccountService>();

    private ApiTokenService Tokens => _factory.Services.GetRequiredService<ApiTokenService>();

    [Fact]
    public async Task Bearer_ValidToken_SubmitsJobOwnedByTokenUser()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var made = await Tokens.CreateAsync(aliceId, "lab script", ct);

        var jobId = await SubmitAsync(Bearer(made.Secret), ct);

        var row = await _factory.Services.GetRequiredService<JobService>().FindAsync(jobId, ct);
        Assert.Equal((aliceId, "alice"), (row!.OwnerId, row.OwnerName));
        var listed = Assert.Single(await Tokens.ListAsync(aliceId, ct));
        Assert.NotNull(listed.LastUsedUtc);
        Assert.Equal(made.Secret.Substring(5, 8), listed.Prefix);
    }

    [Fact]
    public async Task Bearer_RevokedToken_UnauthorizedProblemSaysHowToMakeNewOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var made = await Tokens.CreateAsync(aliceId, "lab script", ct);
        var client = Bearer(made.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);

        await Tokens.RevokeAsync(aliceId, made.Token.Id, ct);
        var refused = await client.GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct));
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Contains("unknown or revoked", detail, StringComparison.Ordinal);
        Assert.Contains("/account/tokens", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bearer_UnknownToken_UnauthorizedEvenInLocalMode()
    {
        var ct = TestContext.Current.CancellationToken;

        var refused = await Bearer("svdw_not-a-real-token").GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("unknown or revoked", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bearer_DisabledAccount_UnauthorizedNamesAccount()
    {
        var ct = TestContext.Current.CancellationToken;
        var carolId = await Accounts.CreateAsync("carol", "carol password", admin: false, ct);
        var made = await Tokens.CreateAsync(carolId, "cron", ct);

        await Accounts.SetDisabledAsync(carolId, disabled: true, ct);
        var refused = await Bearer(made.Secret).GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("carol of this API token is disabled", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_TokenOfOtherUser_ForbiddenAdminTokenAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var bobId = await Accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var rootId = await Accounts.CreateAsync("root", "root password", admin: true, ct);
        var alice = Bearer((await Tokens.CreateAsync(aliceId, "a", ct)).Secret);
        var bob = Bearer((await Tokens.CreateAsync(bobId, "b", ct)).Secret);
        var admin = Bearer((await Tokens.CreateAsync(rootId, "r", ct)).Secret);
        var jobId = await SubmitAsync(alice, ct, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""");

        var bobCancels = await bob.PostAsync($"/api/jobs/{jobId}/cancel", null, ct);
        var adminCancels = await admin.PostAsync($"/api/jobs/{jobId}/cancel", null, ct);

        Assert.Equal(HttpStatusCode.Forbidden, bobCancels.StatusCode);
        Assert.Contains("belongs to alice", await bobCancels.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, adminCancels.StatusCode);
        Assert.Equal(JobStatus.Cancelled, (await JobPolls.WaitForEndAsync(alice, jobId, ct)).Status);
    }

    [Fact]
    public async Task Create_Secret_StoredOnlyAsSha256()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);

        var made = await Tokens.CreateAsync(aliceId, "lab script", ct);

        Assert.StartsWith("svdw_", made.Secret, StringComparison.Ordinal);
        Assert.Equal(5 + 43, made.Secret.Length); // 32 bytes in base64url without padding
        await using (var db = await _factory.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
        {
            var row = await db.ApiTokens.AsNoTracking().SingleAsync(ct);
            Assert.Equal(ApiTokenService.Hash(made.Secret), row.Sha256);
            Assert.Equal(64, row.Sha256.Length);
        }
        // The whole database, WAL included, holds the hash (so the scan reads the right bytes) and no copy of the secret.
        var randomPart = Encoding.UTF8.GetBytes(made.Secret[5..]);
        var hash = Encoding.UTF8.GetBytes(made.Token.Sha256);
        var hashSeen = false;
        foreach (var file in Directory.GetFiles(_factory.DataFolder, "svdweb.db*"))
        {
            var bytes = await ReadSharedAsync(file, ct);
            Assert.True(bytes.AsSpan().IndexOf(randomPart) < 0, $"{Path.GetFileName(file)} contains the token's secret in plain text.");
            hashSeen |= bytes.AsSpan().IndexOf(hash) >= 0;
        }
        Assert.True(hashSeen, "The token's hash is in neither the database nor its WAL, so the scan above proves nothing.");
    }

    [Fact]
    public async Task Bearer_TwoCallsWithinAMinute_LastUsedWrittenOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var aliceId = await Accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var made = await Tokens.CreateAsync(aliceId, "lab script", ct);
        var client = Bearer(made.Secret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);
        var first = Assert.Single(await Tokens.ListAsync(aliceId, ct)).LastUsedUtc;
        // Half the minute later: a second write would store the moved time.
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);
        var second = Assert.Single(await Tokens.ListAsync(aliceId, ct)).LastUsedUtc;

        Assert.NotNull(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Bearer_LocalUsersToken_WorksInLocalModeRefusedOnceAccountsExist()
    {
        var ct = TestContext.Current.CancellationToken;
        var made = await Tokens.CreateAsync(SvdWeb.Jobs.JobOwner.Local.Id, "local script", ct);
        var client = Bearer(made.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);

        await Accounts.CreateAsync("alice", "alice password", admin: true, ct);
        var refused = await client.GetAsync("/api/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("local user of a server that now has accounts", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BlankName_RefusedWithHint()
    {
        var ct = TestContext.Current.CancellationToken;

        var refused = await Assert.ThrowsAsync<AccountException>(() => Tokens.CreateAsync("local", "  ", ct));

        Assert.Contains("Give the token a name", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensPage_LocalMode_Renders()
    {
        var ct = TestContext.Current.CancellationToken;

        var page = await SignIn.Client(_factory).GetStringAsync("/account/tokens", ct);

        Assert.Contains("id=\"page-title\"", page, StringComparison.Ordinal);
        Assert.Contains("API tokens", page, StringComparison.Ordinal);
    }

    private HttpClient Bearer(string secret)
    {
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, CancellationToken ct, string recipe = JobRequests.SmallRecipe)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    private static async Task<byte[]> ReadSharedAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, ct);
        return copy.ToArray();
    }

    public void Dispose() => _factory.Dispose();
}
