using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SvdWeb.Accounts;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// What only a browser shows: a video really starts muted (so it autoplays), downloads (frames, WebM, GIF) leave the page's address
/// alone, unknown addresses and admin pages get styled pages, and the login page in accounts mode is styled.
/// </summary>
public sealed class PageDefectsTests : BrowserTest
{
    [Fact]
    public async Task DetailPage_VideoMutedAndPlaying_FramesDownloadKeepsAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = new HttpClient { BaseAddress = Root };
        var accepted = await (await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct))
            .Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct);
        var job = await JobPolls.WaitForEndAsync(api, accepted!.Id, ct);
        Assert.Equal(Gallery.JobStatus.Succeeded, job.Status);
        var page = Browser.Page;
        var address = new Uri(Root, $"/gallery/{job.Id}").ToString();

        await Browser.GotoAsync(new Uri(address));

        var video = page.Locator("#video-0");
        await Expect(video).ToBeVisibleAsync();
        // Chrome autoplays only a muted video; the element Blazor rendered must be muted, not just carry the attribute.
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#video-0'); return v && v.muted && !v.paused && v.currentTime > 0; }");

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-frames-0").ClickAsync());
        Assert.EndsWith(".zip", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Equal(address, page.Url);
        // The shared formats from the More formats menu, made from the frames on first request: the saved files are
        // what their names say (WebM's EBML header, GIF's signature), and the address still stays.
        foreach (var (link, extension, magic) in new[] { ("#download-webm-pingpong-0", ".webm", new byte[] { 0x1A, 0x45, 0xDF, 0xA3 }), ("#download-gif-forward-0", ".gif", "GIF89a"u8.ToArray()) })
        {
            await page.Locator("#download-menu-0 button").First.ClickAsync();
            var shared = await page.RunAndWaitForDownloadAsync(() => page.Locator(link).ClickAsync());
            Assert.EndsWith(extension, shared.SuggestedFilename, StringComparison.Ordinal);
            var bytes = await File.ReadAllBytesAsync(await shared.PathAsync(), ct);
            Assert.True(bytes.AsSpan().StartsWith(magic), $"{shared.SuggestedFilename} does not start as a {extension} file.");
            Assert.Equal(address, page.Url);
            // Choosing a format closes the menu, so the next choice starts from a closed menu as a user's does.
            await Expect(page.Locator(link)).ToBeHiddenAsync();
        }
        await page.ReloadAsync();
        await Browser.WaitForInteractiveAsync();
        await Expect(page.Locator("#video-0")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task UnknownAddress_StyledNotFoundPageWith404_ApiKeepsProblemDetails()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = Browser.Page;

        var response = await page.GotoAsync(new Uri(Root, "/no-such-page").ToString());

        Assert.Equal(404, response!.Status);
        Assert.StartsWith("text/html", response.Headers["content-type"], StringComparison.Ordinal);
        await Expect(page.Locator("#page-title")).ToHaveTextAsync("Not found");
        await Expect(page.Locator(".mud-appbar")).ToBeVisibleAsync();
        // The interactive router then renders the unknown address itself; it must show the same page, not a bare alert.
        await Browser.WaitForInteractiveAsync();
        await Expect(page.Locator("#page-title")).ToHaveTextAsync("Not found");
        await Expect(page.Locator("#not-found")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync("not-found");
        using var api = new HttpClient { BaseAddress = Root };
        var apiMiss = await api.GetAsync("/api/no-such-thing", ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, apiMiss.StatusCode);
        Assert.Equal("application/problem+json", apiMiss.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AccountsMode_LoginPageStyled_NonAdminGetsAdminsOnlyPage()
    {
        var ct = TestContext.Current.CancellationToken;
        await Factory.Services.GetRequiredService<AccountService>().CreateAsync("alice", "correct horse", admin: false, ct);
        var page = Browser.Page;
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        page.PageError += (_, error) => errors.Add(error);

        await page.GotoAsync(new Uri(Root, "/login").ToString());
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        // MudBlazor's stylesheet and the app's own are loaded as stylesheets (not a login page in their place).
        var loaded = await page.EvaluateAsync<string[]>("() => [...document.styleSheets].filter(s => { try { return s.cssRules.length > 0; } catch { return false; } }).map(s => s.href ?? '')");
        Assert.Contains(loaded, href => href.EndsWith("/css/app.css", StringComparison.Ordinal));
        Assert.Contains(loaded, href => href.Contains("MudBlazor", StringComparison.Ordinal));
        Assert.Empty(errors);
        await Browser.ScreenshotAsync("login-styled");

        await page.Locator("#login-form input[name=userName]").FillAsync("alice");
        await page.Locator("#login-form input[name=password]").FillAsync("correct horse");
        await page.Locator("#login-form button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(Root.ToString());

        await page.GotoAsync(new Uri(Root, "/admin/users").ToString());

        await Expect(page.Locator("#admins-only, #not-authorized").First).ToBeVisibleAsync();
        await Expect(page.Locator(".mud-appbar")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync("admins-only");
    }
}
