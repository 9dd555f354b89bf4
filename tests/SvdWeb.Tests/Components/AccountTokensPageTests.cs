using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Accounts;
using SvdWeb.Components.Pages;

namespace SvdWeb.Tests.Components;

/// <summary>The API tokens page on the real token service and SQLite file, signed in as one user.</summary>
public sealed class AccountTokensPageTests : RealServicesContext
{
    private const string UserId = "user-1";

    private bool _providers;

    private IRenderedComponent<MudDialogProvider>? _dialogs;

    /// <summary>The page under a signed-in user, cascaded as the app's CascadingAuthenticationState does.</summary>
    private IRenderedComponent<AccountTokens> RenderPage()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, UserId), new Claim(ClaimTypes.Name, "alice")], "Test"));
        if (!_providers)
        {
            Render<MudPopoverProvider>();
            _dialogs = Render<MudDialogProvider>();
            Render<MudSnackbarProvider>();
            _providers = true;
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<AccountTokens>());
        return host.FindComponent<AccountTokens>();
    }

    [Fact]
    public async Task Create_WithName_ShowsSecretOnceAndListsItsPrefix()
    {
        var page = RenderPage();
        page.WaitForElement("#tokens-empty");

        page.Find("#token-name").Change("lab script");
        page.Find("#token-create").Click();

        var secret = page.WaitForElement("#token-secret-value").TextContent;
        Assert.StartsWith("svdw_", secret, StringComparison.Ordinal);
        var stored = Assert.Single(await Services.GetRequiredService<ApiTokenService>().ListAsync(UserId, Xunit.TestContext.Current.CancellationToken));
        Assert.Equal(ApiTokenService.Hash(secret), stored.Sha256);
        page.WaitForAssertion(() => Assert.Contains($"svdw_{stored.Prefix}…", page.Find("#tokens-table").TextContent, StringComparison.Ordinal));
        // Created is the shared LocalTime: the stored UTC instant for the browser to show in its own zone; never used yet.
        var created = Assert.Single(page.FindAll("#tokens-table time.local-time"));
        Assert.Equal(stored.CreatedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), created.GetAttribute("datetime"));
        Assert.Contains("never", page.Find("#tokens-table").TextContent, StringComparison.Ordinal);
        // A fresh visit lists the token but never shows its secret again.
        var again = RenderPage();
        again.WaitForElement("#tokens-table");
        Assert.Empty(again.FindAll("#token-secret"));
        Assert.DoesNotContain(secret, again.Markup, StringComparison.Ordinal);
    }

    /// <summary>Creates a token named <paramref name="name"/> and clicks its Revoke: the confirmation is open (or opening).</summary>
    private (IRenderedComponent<AccountTokens> Page, IRenderedComponent<MudDialogProvider> Dialogs) ClickRevokeOnANewToken(string name)
    {
        var page = RenderPage();
        page.WaitForElement("#tokens-empty");
        page.Find("#token-name").Change(name);
        page.Find("#token-create").Click();
        page.WaitForElement("#tokens-table");
        page.FindAll("#tokens-table button").Single(b => b.TextContent.Contains("Revoke", StringComparison.Ordinal)).Click();
        return (page, _dialogs!);
    }

    [Fact]
    public async Task Revoke_ClickThenKeep_NothingRevoked()
    {
        var (page, dialogs) = ClickRevokeOnANewToken("old script");
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke token \"old script\"?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("401", dialogs.Markup, StringComparison.Ordinal);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Revoke token", dialogs.Markup, StringComparison.Ordinal));
        var stored = Assert.Single(await Services.GetRequiredService<ApiTokenService>().ListAsync(UserId, Xunit.TestContext.Current.CancellationToken));
        Assert.Null(stored.RevokedUtc);
        Assert.DoesNotContain("revoked", page.Find("#tokens-table").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_ClickAndConfirm_RowSaysRevoked()
    {
        var (page, dialogs) = ClickRevokeOnANewToken("old script");
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke token", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        page.WaitForAssertion(() => Assert.Contains("revoked", page.Find("#tokens-table").TextContent, StringComparison.Ordinal));
        var stored = Assert.Single(await Services.GetRequiredService<ApiTokenService>().ListAsync(UserId, Xunit.TestContext.Current.CancellationToken));
        Assert.NotNull(stored.RevokedUtc);
    }
}
