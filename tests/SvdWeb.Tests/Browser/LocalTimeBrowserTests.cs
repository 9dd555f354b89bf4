using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// Dates are the browser's: a browser in Tokyo with German settings sees a job's creation time in Japan's time (UTC+9,
/// no daylight saving) and German order, on the gallery and the detail page, and still after the page re-renders.
/// </summary>
public sealed class LocalTimeBrowserTests : BrowserTest
{
    [Fact]
    public async Task Dates_TokyoBrowserWithGermanLocale_ShownInJapanTimeGermanFormat()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = new HttpClient { BaseAddress = Root };
        var accepted = await (await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct))
            .Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct);
        var job = await JobPolls.WaitForEndAsync(api, accepted!.Id, ct);
        // The server keeps UTC; Tokyo is UTC+9 all year. de-DE's Intl "medium" date is dd.MM.yyyy, joined to the time by ", ".
        var tokyo = job.CreatedUtc.ToUniversalTime().AddHours(9);
        var minutes = tokyo.ToString("dd.MM.yyyy, HH:mm", CultureInfo.InvariantCulture);
        var seconds = tokyo.ToString("dd.MM.yyyy, HH:mm:ss", CultureInfo.InvariantCulture);
        var iso = job.CreatedUtc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions
        {
            TimezoneId = "Asia/Tokyo",
            Locale = "de-DE",
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });

        await page.GotoAsync(new Uri(Root, "/gallery").ToString());
        await Expect(page.Locator("#circuit-state")).ToHaveTextAsync("interactive");

        var cardTime = page.Locator($".gallery-card[data-id='{job.Id}'] time");
        await Expect(cardTime).ToHaveAttributeAsync("datetime", iso);
        await Expect(cardTime).ToHaveTextAsync(minutes);
        // A filter re-renders the cards from a new query: the text stays the browser's.
        await page.Locator("#filter-name").FillAsync("logo");
        await page.Locator("#filter-name").PressAsync("Tab");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("name=logo"));
        await Expect(cardTime).ToHaveTextAsync(minutes);

        await page.GotoAsync(new Uri(Root, $"/gallery/{job.Id}").ToString());
        await Expect(page.Locator("#circuit-state")).ToHaveTextAsync("interactive");
        var created = page.Locator("[data-fact='Created'] time");
        await Expect(created).ToHaveAttributeAsync("datetime", iso);
        await Expect(created).ToHaveTextAsync(seconds);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserSession.ScreenshotFolder, "detail-tokyo-de.png"), FullPage = true });
    }
}
