namespace SvdWeb.Tests.Browser;

/// <summary>
/// The app on a real Kestrel port over a fresh data folder, and Debian's chromium driving it: what every browser test
/// starts from. The folder is deleted afterwards.
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    protected SvdWebFactory Factory { get; } = new(kestrel: true);

    internal BrowserSession Browser { get; private set; } = null!;

    protected Uri Root { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Factory.StartServer();
        Root = Factory.ServerAddress;
        Browser = await BrowserSession.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Factory.DisposeAsync();
        Directory.Delete(Factory.DataFolder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
