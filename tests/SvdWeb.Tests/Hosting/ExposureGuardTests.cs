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

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
