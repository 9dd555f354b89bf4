using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests;

/// <summary>
/// The real app (Program) on the real tiny pack, CPU ONNX Runtime, real ffmpeg and a real SQLite file in a data
/// folder of its own. With <c>kestrel: true</c> it listens on a loopback port for browser and SignalR tests.
/// Two factories over the same data folder model a restart.
/// </summary>
public sealed class SvdWebFactory : WebApplicationFactory<Program>
{
    private readonly bool _kestrel;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public SvdWebFactory(string? dataFolder = null, bool kestrel = false, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _kestrel = kestrel;
        _services = services;
        DataFolder = dataFolder ?? Directory.CreateTempSubdirectory("svdweb-data-").FullName;
        _settings = new Dictionary<string, string?>
        {
            ["SvdWeb:ModelsFolder"] = Path.Combine(Fixtures.RepoRoot, "models"),
            ["SvdWeb:DataFolder"] = DataFolder,
            ["SvdWeb:Devices:0"] = "cpu",
            ["SvdWeb:IntraOpNumThreads"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
        if (kestrel) UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public string DataFolder { get; }

    /// <summary>
    /// When set, every request's connection comes from this address (<see cref="RemoteAddressStartupFilter"/>), e.g.
    /// 192.0.2.10 for another machine; null leaves the test server's own (none) or Kestrel's. Read per request.
    /// </summary>
    public IPAddress? RemoteIpAddress { get; set; }

    /// <summary>What the app logged at the levels its settings enable: warnings and errors unless a test lowers a category.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The loopback URL when started with Kestrel (after <see cref="StartServer"/>).</summary>
    public Uri ServerAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(Fixtures.RepoRoot);
        builder.UseEnvironment("Development");
        // UseSetting, not ConfigureAppConfiguration: Program reads SvdWeb:Devices while registering services.
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(() => RemoteIpAddress)));
        if (_services is not null) builder.ConfigureServices(_services);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    public new void StartServer()
    {
        if (!_kestrel) throw new InvalidOperationException("Create the factory with kestrel: true to listen on a port.");
        base.StartServer();
    }
}
