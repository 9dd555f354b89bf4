using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Cli.Accounts;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Accounts;

/// <summary>Local mode, sign-in and account management on the real host and SQLite file.</summary>
public sealed class AccountsTests : IDisposable
{
    private readonly MovableClock _clock = new();
    private readonly SvdWebFactory _factory;

    public AccountsTests() => _factory = new(services: s => s.AddSingleton<TimeProvider>(_clock));

    [Fact]
    public async Task Api_NoAccounts_LocalUserWithoutLogin()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory);

        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct);
        var row = await _factory.Services.GetRequiredService<SvdWeb.Jobs.JobService>().FindAsync(job!.Id, ct);
        Assert.Equal(("local", "local"), (row!.OwnerId, row.OwnerName));
    }

    [Fact]
    public async Task Request_AccountsExistNotSignedIn_ApiUnauthorizedPageRedirectsToLogin()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsOf(_factory).CreateAsync("alice", "correct horse", admin: false, ct);
        var client = SignIn.Client(_factory);

        var api = await client.GetAsync("/api/gallery", ct);
        var page = await client.GetAsync("/gallery", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("http://localhost/login?ReturnUrl=%2Fgallery", page.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login", ct)).StatusCode);
    }

    [Fact]
    public async Task SignIn_AccountAddedByCli_SignsInAndOwnsItsJobs()
    {
        var ct = TestContext.Current.CancellationToken;
        // Starts the host (the database is created and migrated) and has it see no account: local mode.
        Assert.Contains("local-mode", await SignIn.Client(_factory).GetStringAsync("/login", ct), StringComparison.Ordinal);
        var id = AccountStore.Add(_factory.DataFolder, "bob", "long enough password", admin: false);
        // The running app notices an account added behind its back once its one-second re-check of a "no" is due.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("local-mode", await SignIn.Client(_factory).GetStringAsync("/login", ct), StringComparison.Ordinal);

        var client = await SignIn.AsAsync(_factory, "bob", "long enough password", ct);
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct);
        var row = await _factory.Services.GetRequiredService<SvdWeb.Jobs.JobService>().FindAsync(job!.Id, ct);
        Assert.Equal((id, "bob"), (row!.OwnerId, row.OwnerName));
    }

    [Fact]
    public void Add_NoDatabaseYet_SaysStartTheAppOnce()
    {
        var empty = Directory.CreateTempSubdirectory("svdweb-nodb-").FullName;
        try
        {
            var refused = Assert.Throws<AccountStoreException>(() => AccountStore.Add(empty, "alice", "long enough password", admin: true));
            Assert.Contains("Start the app once with this data folder", refused.Message, StringComparison.Ordinal);
            Assert.Contains(empty, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task SignIn_WrongPassword_BackToLoginWithMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsOf(_factory).CreateAsync("alice", "correct horse", admin: false, ct);
        var client = SignIn.Client(_factory);

        var response = await SignIn.PostAsync(client, "alice", "wrong horse", ct);

        Assert.Equal("/login?error=wrong&returnUrl=%2F", response.Headers.Location?.OriginalString);
        Assert.Contains("Wrong user name or password.", await client.GetStringAsync(response.Headers.Location, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/gallery", ct)).StatusCode);
    }

    [Fact]
    public async Task SignIn_DisabledAccount_RefusedUntilEnabled()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = AccountsOf(_factory);
        var id = await accounts.CreateAsync("carol", "correct horse", admin: false, ct);
        await accounts.SetDisabledAsync(id, disabled: true, ct);

        var refused = await SignIn.PostAsync(SignIn.Client(_factory), "carol", "correct horse", ct);
        await accounts.SetDisabledAsync(id, disabled: false, ct);
        var client = await SignIn.AsAsync(_factory, "carol", "correct horse", ct);

        Assert.StartsWith("/login?error=disabled&", refused.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Contains("This account is disabled.", await SignIn.Client(_factory).GetStringAsync(refused.Headers.Location, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/gallery", ct)).StatusCode);
    }

    [Fact]
    public async Task ResetPassword_ByAdmin_OldPasswordFailsNewWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = AccountsOf(_factory);
        var id = await accounts.CreateAsync("dave", "first password", admin: false, ct);

        await accounts.ResetPasswordAsync(id, "second password", ct);

        var old = await SignIn.PostAsync(SignIn.Client(_factory), "dave", "first password", ct);
        Assert.StartsWith("/login?error=", old.Headers.Location?.OriginalString, StringComparison.Ordinal);
        await SignIn.AsAsync(_factory, "dave", "second password", ct);
        var tooShort = await Assert.ThrowsAsync<AccountException>(() => accounts.ResetPasswordAsync(id, "short", ct));
        Assert.Contains("at least 8 characters", tooShort.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminPage_PlainUser_NotAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        await AccountsOf(_factory).CreateAsync("erin", "correct horse", admin: false, ct);
        var client = await SignIn.AsAsync(_factory, "erin", "correct horse", ct);

        var response = await client.GetAsync("/admin/users", ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("AccessDenied", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private static AccountService AccountsOf(SvdWebFactory factory) => factory.Services.GetRequiredService<AccountService>();

    public void Dispose() => _factory.Dispose();
}
