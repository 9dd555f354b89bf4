using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SvdWeb.TestSupport;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>
/// One SvdWeb process of a several-host setup, hosted in the benchmark's process with its own services, database
/// connections and LISTEN connection: the real app (Program) on the repository's models folder, listening on a
/// loopback port when hub clients connect to it.
/// </summary>
internal sealed class QueueNode : WebApplicationFactory<global::Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public QueueNode(string dataFolder, IDictionary<string, string?> settings, Action<IServiceCollection>? services = null, bool kestrel = false)
    {
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["SvdWeb:ModelsFolder"] = Path.Combine(Fixtures.RepoRoot, "models"),
            ["SvdWeb:DataFolder"] = dataFolder,
            ["SvdWeb:IntraOpNumThreads"] = "1",
        };
        foreach (var (key, value) in settings) _settings[key] = value;
        if (kestrel) UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>The loopback URL (a node started with Kestrel).</summary>
    public Uri ServerAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(Fixtures.RepoRoot);
        builder.UseEnvironment("Production");
        // UseSetting, not ConfigureAppConfiguration: Program reads SvdWeb:Devices and SvdWeb:Role while registering services.
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (_services is not null) builder.ConfigureServices(_services);
        // Errors only, less three kinds that are not about the queue: the first start's probe of the migrations history
        // (a failed command), the key ring's and Kestrel's notices, and the device probe (the workers' device names only
        // tell them apart; the no-op runner uses no device).
        builder.ConfigureLogging(logging => logging
            .AddFilter(null, LogLevel.Error)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Error)
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None)
            .AddFilter("SvdWeb.Devices.DeviceProbe", LogLevel.None));
    }
}
