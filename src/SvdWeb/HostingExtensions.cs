using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Models;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb;

internal static class HostingExtensions
{
    /// <summary>
    /// The app's own services, without hosting: the gallery database, media store, pack catalog, pipelines, queue and
    /// progress. Component tests use exactly these with their own options.
    /// </summary>
    public static IServiceCollection AddSvdWebServices(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddDbContextFactory<GalleryDbContext>((provider, db) =>
        {
            var media = provider.GetRequiredService<MediaStore>();
            db.UseSqlite($"Data Source={Path.Combine(media.DataFolder, "svdweb.db")};Cache=Shared");
        });
        services.AddSingleton<MediaStore>();
        services.AddSingleton<PackCatalog>();
        services.AddSingleton<PipelineCache>();
        services.AddSingleton<GenerationQueue>();
        services.AddSingleton<JobProgressBroadcaster>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<GenerationService>();
        services.AddSingleton<QueueEstimator>();
        services.AddSingleton<FfmpegStatus>();
        return services;
    }

    public static WebApplicationBuilder AddSvdWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SvdWebOptions>().BindConfiguration(SvdWebOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SvdWebOptions>, SvdWebOptionsValidator>();
        services.AddSvdWebServices();

        // Hosted services start in registration order: recovery (migrations, re-queue) before any worker reads.
        services.AddHostedService<StartupRecovery>();
        services.AddHostedService(provider => provider.GetRequiredService<FfmpegStatus>());
        services.AddHostedService<DeviceProbe>();
        services.AddHostedService<Hosting.ExposureGuard>();
        var devices = builder.Configuration.GetSection($"{SvdWebOptions.Section}:{nameof(SvdWebOptions.Devices)}").Get<string[]>() is { Length: > 0 } configured
            ? configured
            : new SvdWebOptions().WorkerDevices;
        foreach (var device in devices)
        {
            services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<GenerationWorker>(provider, device));
        }

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSignalR();
        services.AddOpenApi();
        services.AddProblemDetails();
        return builder;
    }
}
