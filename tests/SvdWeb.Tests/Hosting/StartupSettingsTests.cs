using SvdWeb.Tests.Faults;

namespace SvdWeb.Tests.Hosting;

/// <summary>A bad setting stops the real server process with exit code 1 and the message alone.</summary>
public sealed class StartupSettingsTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-settings-").FullName;

    [Fact]
    public async Task Start_ProxyHeaderWithoutTrustedProxies_ExitsOneWithTheMessageAndNoHostTrace()
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_data, "127.0.0.1", TestContext.Current.CancellationToken,
            "--SvdWeb:Accounts:ProxyHeader", "X-Forwarded-User");

        Assert.Equal(1, exitCode);
        Assert.Contains("SvdWeb cannot start: ", output, StringComparison.Ordinal);
        Assert.Contains("TrustedProxies", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
