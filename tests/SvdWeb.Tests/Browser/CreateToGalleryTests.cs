using System.IO.Compression;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// The whole product in a real browser: upload, set a seed, generate on the tiny pack, watch progress, find the item in
/// the gallery, play the video, regenerate, and check the regenerated frames are identical.
/// </summary>
public sealed class CreateToGalleryTests : BrowserTest
{
    [Fact]
    public async Task CreateGenerateRegenerate_TinyPack_SameFramesAndEveryPageWorks()
    {
        var page = Browser.Page;
        var ct = TestContext.Current.CancellationToken;

        // Create: upload, see what the model sees, lock a seed, ask for enough steps to watch them.
        await Browser.GotoAsync(new Uri(Root, "/"));
        await page.Locator("input[type=file]").SetInputFilesAsync(Fixtures.Image("wizard_301x173.png"));
        await Expect(page.Locator("#model-view")).ToBeVisibleAsync();
        await Expect(page.Locator("#input-info")).ToContainTextAsync("301 × 173");
        await page.Locator("#seed").FillAsync("777");
        await page.Locator("#seed").PressAsync("Tab");
        await page.Locator("#steps").FillAsync("60");
        await page.Locator("#steps").PressAsync("Tab");
        await Browser.ScreenshotAsync("create");
        // A long job submitted through the API holds the single worker, so ours waits in the queue while the page
        // attaches; cancelling it then lets ours run in front of the watching browser, whatever the machine's speed.
        using var api = new HttpClient { BaseAddress = Root };
        var blocker = await api.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"),
            """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":200,"seed":1}"""), ct);
        var blockerId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.JobDto>(blocker.Content, JobRequests.Json, ct))!.Id;
        // At 1400×900 the Generate button is in view without scrolling.
        await page.SetViewportSizeAsync(1400, 900);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Expect(page.Locator("#generate")).ToBeInViewportAsync();
        await page.SetViewportSizeAsync(1400, 1000);
        await page.Locator("#generate").ClickAsync();

        // Create stays, with the image; the snackbar's link opens the job's detail page.
        await Expect(page.Locator("#queued-link-0")).ToBeVisibleAsync();
        await Expect(page.Locator("#input-info")).ToContainTextAsync("301 × 173");
        Assert.DoesNotContain("/gallery/", page.Url, StringComparison.Ordinal);
        await page.Locator("#queued-link-0").ClickAsync();

        // Detail page: waiting with its place in line, then the denoising steps, then the player.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/gallery/[0-9a-f-]{36}$"));
        var firstId = Guid.Parse(page.Url[^36..]);
        await Browser.WaitForInteractiveAsync();
        await Expect(page.Locator("#progress-stage")).ToHaveTextAsync("Waiting in the queue");
        await Expect(page.Locator("#queue-position")).ToContainTextAsync("Position 1 in the queue");
        await StageRecorder.StartAsync(page);
        (await api.PostAsync($"/api/jobs/{blockerId}/cancel", null, ct)).EnsureSuccessStatusCode();
        var stages = await StageRecorder.UntilVideoAsync(page, firstId);
        Assert.True(stages.Count(s => s.StartsWith("Denoising step", StringComparison.Ordinal)) >= 2,
            "Progress did not visibly advance; saw: " + string.Join(" | ", stages));
        await AssertPlaysAsync(page);
        await Expect(page.Locator("[data-fact='Seed']")).ToHaveTextAsync("777");
        await AssertFrameSteppingAsync(page);
        await Browser.ScreenshotAsync("detail");

        // Gallery: the item is there.
        await Browser.GotoAsync(new Uri(Root, "/gallery"));
        await Expect(page.Locator($".gallery-card[data-id='{firstId}']")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync("gallery");

        // Regenerate from the detail page: same recipe, a new item, identical frames.
        await Browser.GotoAsync(new Uri(Root, $"/gallery/{firstId}"));
        await page.Locator("#regenerate").ClickAsync();
        await page.WaitForURLAsync(url => !url.EndsWith(firstId.ToString(), StringComparison.Ordinal));
        var secondId = Guid.Parse(page.Url[^36..]);
        await StageRecorder.UntilVideoAsync(page, secondId);
        await Expect(page.Locator("[data-fact='Seed']")).ToHaveTextAsync("777");

        var first = await FramesAsync(api, firstId);
        var second = await FramesAsync(api, secondId);
        Assert.Equal(first.Count, second.Count);
        for (var f = 0; f < first.Count; f++)
            Assert.True(first[f].AsSpan().SequenceEqual(second[f]), $"Regenerated frame {f} differs from the original.");

        await Browser.GotoAsync(new Uri(Root, "/queue"));
        await Expect(page.Locator("#queue-empty")).ToBeVisibleAsync();
        await Browser.GotoAsync(new Uri(Root, "/models"));
        await Expect(page.Locator("[data-pack='tiny-svd']")).ToContainTextAsync("valid");
        await Browser.ScreenshotAsync("models");
    }

    private static async Task AssertPlaysAsync(IPage page)
    {
        var video = page.Locator("#video-0");
        await Expect(video).ToBeVisibleAsync();
        // The MP4 is H.264/yuv420p; the browser must decode it and advance the playhead.
        var played = await video.EvaluateAsync<bool>("""
            async v => {
              v.muted = true;
              if (v.readyState < 2) await new Promise((ok, fail) => { v.onloadeddata = ok; v.onerror = () => fail(v.error); });
              await v.play();
              const start = performance.now();
              while (v.currentTime === 0 && performance.now() - start < 5000) await new Promise(r => setTimeout(r, 50));
              return v.currentTime > 0 && v.videoWidth === 128 && v.videoHeight === 64;
            }
            """);
        Assert.True(played, "The browser did not play the generated MP4.");
    }

    /// <summary>The step buttons and arrow keys pause the player and move one frame, and the label follows.</summary>
    private static async Task AssertFrameSteppingAsync(IPage page)
    {
        // The tiny pack's 6 frames at 7 fps: stepping back more often than there are frames ends on the first.
        for (var i = 0; i < 7; i++) await page.Locator("#frame-back-0").ClickAsync();
        await Expect(page.Locator("#frame-label-0")).ToHaveTextAsync("Frame 1 / 6");
        Assert.True(await page.Locator("#video-0").EvaluateAsync<bool>("v => v.paused"), "Stepping did not pause the video.");
        await page.Locator("#frame-next-0").ClickAsync();
        await Expect(page.Locator("#frame-label-0")).ToHaveTextAsync("Frame 2 / 6");
        await page.Locator("#player-0").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#frame-label-0")).ToHaveTextAsync("Frame 4 / 6");
        await page.Keyboard.PressAsync("ArrowLeft");
        await Expect(page.Locator("#frame-label-0")).ToHaveTextAsync("Frame 3 / 6");
        // The video element itself is on frame 3 once the seek lands: 2.5 frames in.
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#video-0'); return !v.seeking && Math.abs(v.currentTime * 7 - 2.5) < 0.01; }");
    }

    /// <summary>The lossless PNG frames of a job, decoded to RGB bytes.</summary>
    private static async Task<List<byte[]>> FramesAsync(HttpClient client, Guid id)
    {
        using var archive = new ZipArchive(await client.GetStreamAsync(new Uri($"/api/jobs/{id}/frames.zip", UriKind.Relative)));
        var frames = new List<byte[]>();
        foreach (var entry in archive.Entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            await using var stream = entry.Open();
            using var image = await Image.LoadAsync<Rgb24>(stream);
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            frames.Add(pixels);
        }
        Assert.NotEmpty(frames);
        return frames;
    }
}
