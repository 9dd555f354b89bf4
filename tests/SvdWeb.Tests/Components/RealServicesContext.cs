using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Packs;
using SvdWeb.Options;
using SvdWeb.Storage;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// A bUnit context with the app's real services: the repository's model packs, a real SQLite file in a temporary data
/// folder (migrated), the real queue, broadcaster and generation service. No worker runs, so submitted jobs stay queued.
/// MudBlazor calls JavaScript for popovers and focus; loose JS interop answers those with defaults.
/// A derived context may pass its own clock and change the options.
/// </summary>
public abstract class RealServicesContext : BunitContext
{
    protected RealServicesContext()
        : this(null, null, null)
    {
    }

    /// <param name="modelsFolder">The models folder the catalog lists (a temporary one for tests that add or remove packs).</param>
    /// <param name="configure">Changes to the options before the services are built.</param>
    protected RealServicesContext(string modelsFolder, Action<SvdWebOptions>? configure = null)
        : this(modelsFolder, null, configure)
    {
    }

    /// <param name="time">The clock every service reads (a fake one for tests about days and deadlines).</param>
    /// <param name="configure">Changes to the options before the services are built.</param>
    protected RealServicesContext(TimeProvider? time, Action<SvdWebOptions>? configure = null)
        : this(null, time, configure)
    {
    }

    private RealServicesContext(string? modelsFolder, TimeProvider? time, Action<SvdWebOptions>? configure)
    {
        DataFolder = Directory.CreateTempSubdirectory("svdweb-bunit-").FullName;
        // Waits end as soon as their condition holds; the long limit only matters on a loaded machine (these pages
        // decode images and query SQLite while the test suite runs in parallel on two cores).
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddSignalR();
        Services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(Fixtures.RepoRoot));
        var options = new SvdWebOptions
        {
            ModelsFolder = modelsFolder ?? Path.Combine(Fixtures.RepoRoot, "models"),
            DataFolder = DataFolder,
            Devices = ["cpu"],
        };
        configure?.Invoke(options);
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        Services.AddSvdWebServices();
        // Registered after the app's TimeProvider.System, so every service resolves this one.
        if (time is not null) Services.AddSingleton(time);
        using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
        db.Database.Migrate();
    }

    protected string DataFolder { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // The shared-cache connection pool would keep the database file open.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (disposing && Directory.Exists(DataFolder)) Directory.Delete(DataFolder, recursive: true);
    }

    private sealed class TestHostEnvironment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "SvdWeb";
        public string ContentRootPath { get; set; } = root;
        public IFileProvider ContentRootFileProvider { get; set; } = new PhysicalFileProvider(root);
    }
}
