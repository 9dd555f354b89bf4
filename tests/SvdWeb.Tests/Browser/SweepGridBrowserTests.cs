using System.Net.Http.Json;
using SvdWeb.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The sweep page's grid in a real browser: one play/pause runs every cell, and after a pause or a frame step every
/// video shows the same frame (js/sweep.js).
/// </summary>
public sealed class SweepGridBrowserTests : BrowserTest
{
    // Every video's frame at its own fps, as the page's clock counts them.
    private const string Frames = "() => [...document.querySelectorAll('video.sweep-video')].map(v => Math.floor(v.currentTime * Number(v.dataset.fps) + 1e-3))";

    [Fact]
    public async Task SweepPage_PlayPauseAndFrameStep_KeepEveryCellOnTheSameFrame()
    {
        var ct = TestContext.Current.CancellationToken;
        using var api = new HttpClient { BaseAddress = Root };
        var sweep = (await (await SweepsApiTests.SubmitAsync(api, JobRequests.SmallRecipe, ct, "motionBucketId=60,200"))
            .Content.ReadFromJsonAsync<Api.SweepDto>(JobRequests.Json, ct))!;
        foreach (var cell in sweep.Cells)
            Assert.Equal(Gallery.JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(api, cell.JobId, ct)).Status);
        var page = Browser.Page;

        await Browser.GotoAsync(new Uri(Root, $"/sweeps/{sweep.Id}"));

        await Expect(page.Locator("video.sweep-video")).ToHaveCountAsync(2);
        await Expect(page.Locator("#sweep-column-1")).ToHaveTextAsync("motion 200");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('video.sweep-video')].every(v => v.readyState >= 2)");
        await page.Locator("#sweep-play").ClickAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('video.sweep-video')].every(v => !v.paused && v.currentTime > 0)");
        await page.Locator("#sweep-play").ClickAsync();
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('video.sweep-video')].every(v => v.paused && !v.seeking)");

        var times = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('video.sweep-video')].map(v => v.currentTime)");
        Assert.True(Math.Abs(times[0] - times[1]) < 1.0 / 7, $"after pause the cells are at {string.Join(", ", times)} s");
        var paused = await page.EvaluateAsync<int[]>(Frames);
        Assert.Equal(paused[0], paused[1]);

        // Back to the first frame (the step stops there), then one forward: every cell moves together.
        for (var i = 0; i < 4; i++) await page.Locator("#sweep-back").ClickAsync();
        await page.WaitForFunctionAsync($"() => ({Frames})().every(f => f === 0)");
        await page.Locator("#sweep-next").ClickAsync();

        await page.WaitForFunctionAsync($"() => ({Frames})().every(f => f === 1) && [...document.querySelectorAll('video.sweep-video')].every(v => v.paused)");
        await Expect(page.Locator("#sweep-frame")).ToHaveTextAsync("Frame 2 / 4");
        // The grid takes focus from the keyboard, and its arrow keys step every cell as the buttons do.
        await page.Locator("#sweep-grid").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.WaitForFunctionAsync($"() => ({Frames})().every(f => f === 2)");
        await Expect(page.Locator("#sweep-frame")).ToHaveTextAsync("Frame 3 / 4");
        Assert.Equal("svdweb-sweep-" + sweep.Id.ToString("N") + ".mp4", await page.Locator("#sweep-download").GetAttributeAsync("download"));
        await Browser.ScreenshotAsync("sweep-grid");
    }
}
