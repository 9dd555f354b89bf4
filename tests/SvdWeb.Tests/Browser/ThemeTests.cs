using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// Dark mode follows the OS until the user picks one, and the pick is remembered by this browser (localStorage): across
/// reloads, and over a later change of the OS setting.
/// </summary>
public sealed class ThemeTests : BrowserTest
{
    [Fact]
    public async Task DarkMode_FollowsTheOsThenRemembersTheUsersChoice()
    {
        var page = Browser.Page;
        var theme = page.Locator("#theme-state");
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await Browser.GotoAsync(Root);
        await Expect(theme).ToHaveTextAsync("dark");

        // No choice made yet: the OS changing its setting changes the page.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Light });
        await Expect(theme).ToHaveTextAsync("light");

        await page.Locator("button[aria-label='toggle dark mode']").ClickAsync();
        await Expect(theme).ToHaveTextAsync("dark");
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync();
        // Chosen: kept across reloads although the OS says light.
        await Expect(theme).ToHaveTextAsync("dark");
        Assert.Equal("dark", await page.EvaluateAsync<string>("() => localStorage.getItem('svdweb.theme')"));

        await page.Locator("button[aria-label='toggle dark mode']").ClickAsync();
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync();
        await Expect(theme).ToHaveTextAsync("light");
    }
}
