using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using SvdWeb.Gallery;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The workflow around the gallery in a real browser: Create queues a count of seed variations with Ctrl+Enter and
/// stays; the open gallery shows them as they finish without a reload; the file-name filter narrows it; a selection is
/// deleted after a confirmation.
/// </summary>
public sealed class GalleryBrowserTests : BrowserTest
{
    [Fact]
    public async Task CountWithCtrlEnter_GalleryUpdatesLive_FilterByName_DeleteSelection()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = Browser.Page;
        using var api = new HttpClient { BaseAddress = Root };
        var gallery = await Browser.NewPageAsync();
        await gallery.GotoAsync(new Uri(Root, "/gallery").ToString());
        await Expect(gallery.Locator("#circuit-state")).ToHaveTextAsync("interactive");
        await Expect(gallery.Locator("#gallery-empty")).ToBeVisibleAsync();

        // Create: two variations of one recipe, queued by the keyboard; the page stays and links both.
        await Browser.GotoAsync(new Uri(Root, "/"));
        await page.Locator("input[type=file]").SetInputFilesAsync(Fixtures.Image("wizard_301x173.png"));
        await Expect(page.Locator("#model-view")).ToBeVisibleAsync();
        await page.Locator("#seed").FillAsync("500");
        await page.Locator("#seed").PressAsync("Tab");
        await page.Locator("#steps").FillAsync("2");
        await page.Locator("#steps").PressAsync("Tab");
        await page.Locator("#count").FillAsync("2");
        await page.Locator("#count").PressAsync("Tab");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(page.Locator("#queued-link-1")).ToBeVisibleAsync();
        Assert.EndsWith("/", page.Url, StringComparison.Ordinal);
        // One more through the API, under another name, for the filter.
        var other = await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe, "logo.png"), ct);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        var otherId = (await other.Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct))!.Id;
        var listed = (await api.GetFromJsonAsync<Api.PageDto<Api.JobDto>>("/api/gallery", JobRequests.Json, ct))!.Items;
        var wizards = listed.Where(j => j.Id != otherId).OrderBy(j => j.Recipe.Seed).ToArray();
        Assert.Equal([500L, 501L], wizards.Select(j => j.Recipe.Seed));
        foreach (var job in listed) Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(api, job.Id, ct)).Status);

        // The gallery page, never reloaded, shows all three as finished.
        foreach (var job in listed)
            await Expect(gallery.Locator($".gallery-card[data-id='{job.Id}'] img.gallery-thumb[src$='thumbnail.png']")).ToBeVisibleAsync();
        await Expect(gallery.Locator("#gallery-count")).ToHaveTextAsync("3 item(s)");

        // The file-name filter: the two wizards, not the logo.
        await gallery.Locator("#filter-name").FillAsync("WIZARD");
        await gallery.Locator("#filter-name").PressAsync("Enter");
        await Expect(gallery.Locator("#gallery-count")).ToHaveTextAsync("2 item(s)");
        await Expect(gallery.Locator($".gallery-card[data-id='{otherId}']")).ToHaveCountAsync(0);

        // Select both and delete them: asked first, then gone from the page and the server.
        foreach (var job in wizards)
            await gallery.Locator($".gallery-card[data-id='{job.Id}'] input[type=checkbox]").CheckAsync();
        await gallery.Locator("#delete-selected").ClickAsync();
        var dialog = gallery.Locator(".mud-dialog");
        await Expect(dialog).ToContainTextAsync("Delete 2 job(s)?");
        await dialog.Locator("button", new LocatorLocatorOptions { HasText = "Delete" }).ClickAsync();
        await Expect(gallery.Locator(".mud-snackbar").Filter(new LocatorFilterOptions { HasText = "Deleted 2 item(s)." })).ToBeVisibleAsync();
        await Expect(gallery.Locator(".gallery-card")).ToHaveCountAsync(0);
        foreach (var job in wizards)
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/jobs/{job.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/jobs/{otherId}", ct)).StatusCode);
    }
}
