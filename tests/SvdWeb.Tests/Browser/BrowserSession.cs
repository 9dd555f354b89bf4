using Microsoft.Playwright;

namespace SvdWeb.Tests.Browser;

/// <summary>
/// Debian's chromium driven by Playwright (never a downloaded browser): headless, no sandbox (CI runs as root), no
/// network beyond loopback. Screenshots go to TestResults/screenshots below the test output folder.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    /// <summary>What the pages logged as errors or warnings, and scripts that threw: for the test's output when it fails.</summary>
    public IReadOnlyList<string> ConsoleProblems => [.. _consoleProblems];

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _consoleProblems = new();

    private void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") _consoleProblems.Enqueue($"console {message.Type}: {message.Text}");
        };
        page.PageError += (_, error) => _consoleProblems.Enqueue($"page error: {error}");
    }

    /// <summary>
    /// Another tab in the same browser: a second Blazor circuit. <paramref name="options"/> may emulate another locale
    /// and time zone (a context of its own).
    /// </summary>
    public async Task<IPage> NewPageAsync(BrowserNewPageOptions? options = null)
    {
        var page = await _browser.NewPageAsync(options);
        page.SetDefaultTimeout(60_000);
        Watch(page);
        return page;
    }

    public static string ScreenshotFolder => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")).FullName;

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium); .ci/run does.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(60_000);
        // Expect(...) polls until its condition holds; its own 5 s default is shorter than a Blazor round trip can take
        // while the whole suite shares two cores, so it gets the same limit as the page's actions.
        Assertions.SetDefaultExpectTimeout(60_000);
        var session = new BrowserSession(playwright, browser, page);
        session.Watch(page);
        return session;
    }

    /// <summary>Opens a page and waits until the Blazor circuit is interactive (MainLayout sets the marker after first render).</summary>
    public async Task GotoAsync(Uri url)
    {
        await Page.GotoAsync(url.ToString());
        await WaitForInteractiveAsync();
    }

    public Task WaitForInteractiveAsync() => Assertions.Expect(Page.Locator("#circuit-state")).ToHaveTextAsync("interactive");

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
