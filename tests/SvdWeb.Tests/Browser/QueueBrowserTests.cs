using System.Net.Http.Json;
using Microsoft.Playwright;
using SvdWeb.Gallery;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The queue page as a phone, a small laptop (the table's card layout, below its 968 px of columns) and a desktop show
/// it: each row's input thumbnail loads, its buttons stay on one line inside the window, and Cancel asks in a dialog and
/// then says what happened.
/// </summary>
public sealed class QueueBrowserTests : BrowserTest
{
    /// <summary>Per row: how many buttons, how far apart their tops are, and whether the rightmost ends inside the window.</summary>
    private const string ButtonLines = """
        () => [...document.querySelectorAll('#queue-table tbody tr')].map(row => {
          const boxes = [...row.querySelectorAll('button')].map(b => b.getBoundingClientRect());
          return {
            Name: row.querySelector('.queue-image span')?.textContent ?? '',
            Count: boxes.length,
            Spread: Math.max(...boxes.map(b => b.top)) - Math.min(...boxes.map(b => b.top)),
            Inside: boxes.every(b => b.right <= window.innerWidth && b.left >= 0),
          };
        })
        """;

    // Playwright fills it through a parameterless constructor and setters.
    private sealed class ButtonLine
    {
        public string Name { get; set; } = "";

        public int Count { get; set; }

        public double Spread { get; set; }

        public bool Inside { get; set; }
    }

    private async Task<Guid> SubmitAsync(HttpClient api, string name, string recipe)
    {
        var response = await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe, name), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, TestContext.Current.CancellationToken))!.Id;
    }

    [Fact]
    public async Task QueueRows_PhoneAndDesktop_ThumbnailsButtonsOnOneLine_CancelAsksThenSays()
    {
        var ct = TestContext.Current.CancellationToken;
        var page = Browser.Page;
        using var api = new HttpClient { BaseAddress = Root };
        // A long job holds the single worker, so the two small ones wait in line (one pinned: the most buttons a row has).
        var blocker = await SubmitAsync(api, "blocker.png", """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":200,"seed":1}""");
        await JobPolls.WaitForStatusAsync(api, blocker, JobStatus.Running, ct);
        await SubmitAsync(api, "first.png", JobRequests.SmallRecipe);
        var second = await SubmitAsync(api, "second.png", JobRequests.SmallRecipe);
        (await api.PostAsJsonAsync($"/api/jobs/{second}/move", new { to = "front" }, ct)).EnsureSuccessStatusCode();

        await Browser.GotoAsync(new Uri(Root, "/queue"));

        await Expect(page.Locator("#queue-table tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("img.queue-thumb")).ToHaveCountAsync(3);
        // Decoded from the input endpoint, not a broken-image icon.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.queue-thumb')].every(i => i.complete && i.naturalWidth === 128)");
        foreach (var width in new[] { 1400, 1024, 390 })
        {
            await page.SetViewportSizeAsync(width, 900);
            await page.WaitForFunctionAsync("w => window.innerWidth === w", width);
            // MudBlazor closes the responsive drawer through a round trip to the server after the resize, pushing the
            // page left: the layout is given until it settles (a short wait, then the assertions say what is wrong).
            try
            {
                await page.WaitForFunctionAsync($"() => ({ButtonLines})().every(l => l.Spread < 1 && l.Inside)", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            }
            catch (TimeoutException)
            {
                // Reported below, row by row.
            }
            var lines = await page.EvaluateAsync<ButtonLine[]>(ButtonLines);
            Assert.Equal(["blocker.png:1", "second.png:5", "first.png:4"], lines.Select(l => $"{l.Name}:{l.Count}"));
            Assert.All(lines, l => Assert.True(l.Spread < 1, $"At {width} px the buttons of {l.Name} wrap (tops {l.Spread} px apart)."));
            Assert.All(lines, l => Assert.True(l.Inside, $"At {width} px a button of {l.Name} is outside the window."));
            await Browser.ScreenshotAsync($"queue-{width}");
        }

        // Cancel a waiting job: asked first, then a message naming it; the row goes.
        var secondRow = page.Locator("#queue-table tbody tr", new PageLocatorOptions { HasText = "second.png" });
        await secondRow.Locator("button[aria-label='cancel job']").ClickAsync();
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToContainTextAsync("Cancel second.png?");
        await dialog.Locator("button", new LocatorLocatorOptions { HasText = "Cancel job" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new LocatorFilterOptions { HasText = "Cancelled second.png." })).ToBeVisibleAsync();
        await Expect(secondRow).ToHaveCountAsync(0);

        // The running one: the dialog and the message say it stops within moments.
        var blockerRow = page.Locator("#queue-table tbody tr", new PageLocatorOptions { HasText = "blocker.png" });
        await blockerRow.Locator("button[aria-label='cancel job']").ClickAsync();
        await Expect(dialog).ToContainTextAsync("It is running");
        await dialog.Locator("button", new LocatorLocatorOptions { HasText = "Cancel job" }).ClickAsync();
        await Expect(page.Locator(".mud-snackbar").Filter(new LocatorFilterOptions { HasText = "Cancelled blocker.png: it stops within moments." })).ToBeVisibleAsync();
        await JobPolls.WaitForStatusAsync(api, blocker, JobStatus.Cancelled, ct);
    }
}
