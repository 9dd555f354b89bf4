using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// Records every text a job page's stage line takes, in the browser itself (a MutationObserver), so what a test sees
/// does not depend on how fast it can poll a loaded machine. Start it before the job starts.
/// </summary>
internal static class StageRecorder
{
    public static Task StartAsync(IPage page) => page.EvaluateAsync("""
        () => {
          window.svdwebStages = [];
          const record = () => {
            const text = document.querySelector('#progress-stage')?.textContent?.trim();
            const seen = window.svdwebStages;
            if (text && seen[seen.length - 1] !== text) seen.push(text);
          };
          new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
          record();
        }
        """);

    /// <summary>Waits until this job's page (not the one navigated from) shows its player; returns the recorded stages.</summary>
    public static async Task<List<string>> UntilVideoAsync(IPage page, Guid id)
    {
        // Whichever comes first: the player, or the error that means it never will.
        await Expect(page.Locator($"[data-id='{id}'][data-status='Succeeded'] #video-0, #detail-error").First)
            .ToBeAttachedAsync(new() { Timeout = 180_000 });
        Assert.Equal(0, await page.Locator("#detail-error").CountAsync());
        return [.. await page.EvaluateAsync<string[]?>("() => window.svdwebStages ?? null") ?? []];
    }
}
