using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SvdWeb.Accounts;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The login and API tokens pages in Debian's chromium against the real app on a loopback port, with accounts, so
/// every page needs a sign-in.
/// </summary>
public sealed class AccountPagesTests : BrowserTest
{
    private AccountService Accounts => Factory.Services.GetRequiredService<AccountService>();

    [Fact]
    public async Task Login_WrongThenRightPassword_ErrorThenCreatePage()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "correct horse", admin: false, ct);
        var page = Browser.Page;

        await page.GotoAsync(new Uri(Root, "/login").ToString());
        var antiforgery = page.Locator("#login-form input[type=hidden][name='__RequestVerificationToken']");
        await Expect(antiforgery).ToHaveCountAsync(1);
        Assert.False(string.IsNullOrEmpty(await antiforgery.GetAttributeAsync("value")), "The login form's antiforgery token is empty.");
        await SubmitAsync(page, "alice", "wrong horse");
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong user name or password.");
        await Browser.ScreenshotAsync("login-error");

        await SubmitAsync(page, "alice", "correct horse");

        await Expect(page).ToHaveURLAsync(Root.ToString());
        await Browser.WaitForInteractiveAsync();
        await Expect(page.Locator("#page-title")).ToHaveTextAsync("Create a video");
    }

    [Fact]
    public async Task Login_DisabledAccount_SaysItIsDisabled()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Accounts.CreateAsync("carol", "correct horse", admin: false, ct);
        await Accounts.SetDisabledAsync(id, disabled: true, ct);
        var page = Browser.Page;

        await page.GotoAsync(new Uri(Root, "/login").ToString());
        await SubmitAsync(page, "carol", "correct horse");

        await Expect(page.Locator("#login-error")).ToHaveTextAsync("This account is disabled. Ask an admin to enable it on the Users page.");
        await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Login_FormWithoutAntiforgeryToken_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "correct horse", admin: false, ct);
        var page = Browser.Page;
        await page.GotoAsync(new Uri(Root, "/login").ToString());

        // What a cross-site form would send: the fields, but not this site's token.
        await page.Locator("#login-form input[name='__RequestVerificationToken']").EvaluateAsync("input => input.remove()");
        var response = await page.RunAndWaitForResponseAsync(() => SubmitAsync(page, "alice", "correct horse"), r => r.Url.EndsWith("/account/login", StringComparison.Ordinal));

        // 403 problem details, as for any request that may not come from this site's own page.
        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
        Assert.StartsWith("application/problem+json", await response.HeaderValueAsync("content-type"), StringComparison.Ordinal);
        using var api = new HttpClient { BaseAddress = Root };
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/gallery", ct)).StatusCode);
    }

    [Fact]
    public async Task Tokens_CreateUseRevoke_ShownOnceWorksThenUnauthorized()
    {
        var ct = TestContext.Current.CancellationToken;
        await Accounts.CreateAsync("alice", "correct horse", admin: false, ct);
        var page = Browser.Page;
        await page.GotoAsync(new Uri(Root, "/login?returnUrl=%2Faccount%2Ftokens").ToString());
        await SubmitAsync(page, "alice", "correct horse");
        await Browser.WaitForInteractiveAsync();
        await Expect(page.Locator("#tokens-empty")).ToBeVisibleAsync();

        await page.Locator("#token-name").FillAsync("lab script");
        await page.Locator("#token-name").PressAsync("Tab");
        await page.Locator("#token-create").ClickAsync();
        var secret = (await page.Locator("#token-secret-value").TextContentAsync())!.Trim();
        using var api = new HttpClient { BaseAddress = Root };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var submitted = await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.StartsWith("svdw_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        // Shown once: a fresh visit lists the token by its first characters only.
        await Browser.GotoAsync(new Uri(Root, "/account/tokens"));
        await Expect(page.Locator("#tokens-table")).ToContainTextAsync(secret[..13] + "…");
        await Expect(page.Locator("#token-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        await page.Locator("#tokens-table button", new PageLocatorOptions { HasText = "Revoke" }).ClickAsync();
        // Asked first; the dialog's own Revoke confirms.
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToContainTextAsync("Scripts that send it get 401");
        await dialog.Locator("button", new LocatorLocatorOptions { HasText = "Revoke" }).ClickAsync();
        await Expect(page.Locator("#tokens-table")).ToContainTextAsync("revoked");

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/gallery", ct)).StatusCode);
        await Browser.ScreenshotAsync("tokens-revoked");
    }

    private static async Task SubmitAsync(IPage page, string userName, string password)
    {
        await page.Locator("#login-form input[name=userName]").FillAsync(userName);
        await page.Locator("#login-form input[name=password]").FillAsync(password);
        await page.Locator("#login-form button[type=submit]").ClickAsync();
    }
}
