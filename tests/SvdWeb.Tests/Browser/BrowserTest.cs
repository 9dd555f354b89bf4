namespace SvdWeb.Tests.Browser;

/// <summary>
/// The app on a real Kestrel port over a fresh data folder, and Debian's chromium driving it: what every browser test
/// starts from. The folder is deleted afterwards.
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    // The circuit's own debug lines (an event it could not dispatch, a failed render) go to a failed test's output.
    protected SvdWebFactory Factory { get; } = new(kestrel: true, settings: new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.AspNetCore.Components.Server.Circuits.CircuitHost"] = "Debug",
        ["Logging:LogLevel:Microsoft.AspNetCore.Components.RenderTree.Renderer"] = "Debug",
    });

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
        // Shown with a failed test: a click the server never acted on, or a circuit that failed, leaves its trace here.
        if (TestContext.Current.TestState?.Result == TestResult.Failed && TestContext.Current.TestOutputHelper is { } output)
        {
            foreach (var problem in Browser.ConsoleProblems) output.WriteLine(problem);
            foreach (var (level, category, message) in Factory.Logs.Entries) output.WriteLine($"server {level} {category}: {message}");
        }
        await Browser.DisposeAsync();
        await Factory.DisposeAsync();
        Directory.Delete(Factory.DataFolder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
