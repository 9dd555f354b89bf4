using Microsoft.Playwright;
using SvdWeb.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>The image drop zone without a mouse: reached with Tab and opened with Enter or Space, and an image pasted from the clipboard.</summary>
public sealed class UploadInputTests : BrowserTest
{
    [Fact]
    public async Task DropZone_TabThenEnterOrSpace_OpensTheFilePicker()
    {
        var page = Browser.Page;
        await Browser.GotoAsync(Root);
        var zone = page.Locator(".drop-zone");

        // Tab from the page's start reaches the zone (a few stops: the app bar and the menu come first).
        await page.Locator("#page-title").ClickAsync();
        for (var i = 0; i < 30 && !await zone.EvaluateAsync<bool>("z => z === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(zone).ToBeFocusedAsync();

        // Two picks, each of another image, so the second is seen to arrive (the upload keeps a used input per pick).
        foreach (var (key, image, size) in new[] { ("Enter", "rose_70x46.png", "70 × 46"), (" ", "logo_128x64.png", "128 × 64") })
        {
            var chooser = await page.RunAndWaitForFileChooserAsync(() => page.Keyboard.PressAsync(key));
            await chooser.SetFilesAsync(Fixtures.Image(image));
            await Expect(page.Locator("#input-info")).ToContainTextAsync($"{image} · {size}");
            await zone.FocusAsync();
        }
    }

    [Fact]
    public async Task Paste_ImageFromTheClipboard_IsTakenAsIfChosen()
    {
        var page = Browser.Page;
        await Browser.GotoAsync(Root);
        var png = Convert.ToBase64String(await File.ReadAllBytesAsync(Fixtures.Image("logo_128x64.png"), TestContext.Current.CancellationToken));

        // What a paste of a copied image delivers: a ClipboardEvent whose data holds an image file.
        await page.EvaluateAsync("""
            png => {
              const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
              const data = new DataTransfer();
              data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
              document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
            }
            """, png);

        await Expect(page.Locator("#input-info")).ToContainTextAsync("image.png · 128 × 64");
        await Expect(page.Locator("#model-view")).ToBeVisibleAsync();
    }
}
