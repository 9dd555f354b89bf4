using SvdWeb.Hosting;
using SvdWeb.Tests.Faults;

namespace SvdWeb.Tests.Hosting;

public sealed class ExposureGuardTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-exposure-").FullName;

    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.8.9.10:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://*:80", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("https://svd.lab.example:443", false)]
    public void IsLoopback_Address_OnlyThisMachineCounts(string address, bool expected) =>
        Assert.Equal(expected, ExposureGuard.IsLoopback(address));

    [Fact]
    public async Task Start_OnAllAddressesWithoutAccounts_RefusesWithWhatToDo()
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_data, "0.0.0.0", TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("which other machines can reach, but it has no user accounts yet", output, StringComparison.Ordinal);
        Assert.Contains("Add an admin first: svdweb users add NAME --admin --data-folder", output, StringComparison.Ordinal);
        Assert.Contains("SvdWeb__AllowRemoteWithoutAccounts=true", output, StringComparison.Ordinal);
        Assert.Contains("--urls http://127.0.0.1:5000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnAllAddressesWithProxySignIn_KeepsRunningAndAsksForSignIn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = await ServerProcess.StartOnAsync(_data, "0.0.0.0", ct,
            "--SvdWeb:Accounts:ProxyHeader", "X-Forwarded-User", "--SvdWeb:Accounts:TrustedProxies:0", "127.0.0.1");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{server.Address.Port}") };

        // ExposureGuard checks on ApplicationStarted. Its callback was registered after the console lifetime's, and
        // those run last-registered first, so once "Application started" is printed the check has been made.
        await server.WaitForOutputAsync("Application started", ct);
        var login = await client.GetStringAsync("/login", ct);
        var gallery = await client.GetAsync("/api/gallery", ct);

        Assert.Contains("id=\"login-form\"", login, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, gallery.StatusCode);
        Assert.False(server.HasExited, "The app stopped:\n" + server.Output);
        Assert.DoesNotContain("Stopping.", server.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
