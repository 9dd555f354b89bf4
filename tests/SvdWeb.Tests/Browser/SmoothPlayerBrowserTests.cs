using System.Net.Http.Json;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The detail page's switch to the smoothed video in a real browser: the clip ffmpeg makes on the first request (a
/// download elsewhere) plays in the player, at twice the frames and the frame rate, and the page says so.
/// </summary>
public sealed class SmoothPlayerBrowserTests : BrowserTest
{
    [Fact]
    public async Task DetailPage_SmoothTimesTwo_PlaysTheInterpolatedClipAndSaysItsFps()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = new HttpClient { BaseAddress = Root };
        var accepted = await (await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct))
            .Content.ReadFromJsonAsync<Api.JobDto>(JobRequests.Json, ct);
        var job = await JobPolls.WaitForEndAsync(api, accepted!.Id, ct);
        Assert.Equal(Gallery.JobStatus.Succeeded, job.Status);
        var page = Browser.Page;
        await Browser.GotoAsync(new Uri(Root, $"/gallery/{job.Id}"));
        await Expect(page.Locator("#fps-label-0")).ToHaveTextAsync("7 fps (original)");

        await page.Locator("#smooth-2-0").ClickAsync();

        await Expect(page.Locator("#fps-label-0")).ToHaveTextAsync("14 fps (smoothed ×2 from 7)");
        await Expect(page.Locator("#video-0")).ToHaveAttributeAsync("src", $"/api/jobs/{job.Id}/video?index=0&interpolate=2");
        // 4 frames at 7 fps became 8 at 14: the same length, and the browser plays it.
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#video-0'); return v && v.src.includes('interpolate=2') && v.readyState >= 2 && Math.abs(v.duration - 8 / 14) < 0.1 && !v.paused && v.currentTime > 0; }");
        await Expect(page.Locator("#frame-label-0")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Frame [1-8] / 8$"));
        await Browser.ScreenshotAsync("smooth-player");
    }
}
