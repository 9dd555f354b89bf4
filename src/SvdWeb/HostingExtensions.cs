using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using SvdWeb.Accounts;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Devices;
using SvdWeb.Packs;
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
        services.AddSingleton(LeaseClock.System);
        services.AddSingleton<IDbContextFactory<GalleryDbContext>, GalleryDbContextFactory>();
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext());
        services.AddSingleton<MediaStore>();
        services.AddSingleton<PackAdministration>();
        services.AddSingleton<PackCatalog>();
        services.AddSingleton<PipelineCache>();
        services.AddSingleton<ShareVideoCache>();
        services.AddSingleton<GpuMemoryGuard>();
        services.AddSingleton<QueueSignal>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<JobClaims>();
        services.AddSingleton<WorkerRegistry>();
        services.AddSingleton<JobProgressBroadcaster>();
        services.AddSingleton<ProgressFollowers>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<IJobRunner>(provider => provider.GetRequiredService<JobRunner>());
        services.AddSingleton<GpuQuota>();
        services.AddSingleton<JobService>();
        services.AddSingleton<SweepService>();
        services.AddSingleton<SweepGridCache>();
        services.AddSingleton<QueueEstimator>();
        services.AddSingleton<FfmpegStatus>();
        services.AddSingleton<AccountsState>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<TrustedProxies>();
        services.AddSingleton<SignInThrottle>();
        services.AddIdentityCore<IdentityUser>(identity =>
            {
                // A lab server: long passwords, no composition rules (NIST SP 800-63B); the CLI checks the same length.
                identity.Password.RequiredLength = 8;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 1;
                identity.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<GalleryDbContext>()
            .AddSignInManager();
        return services;
    }

    /// <summary>
    /// One default scheme that picks per request: a personal access token when an /api or /hubs request sends
    /// <c>Authorization: Bearer</c> (or the progress hub gets <c>access_token</c> in its query); else the account a
    /// trusted reverse proxy names in SvdWeb:Accounts:ProxyHeader; else the built-in local user while no account exists (local mode), else
    /// Identity's sign-in cookie. Everything requires a signed-in user unless marked anonymous (the login page,
    /// static assets).
    /// </summary>
    private static void AddSvdWebAuthentication(this IServiceCollection services)
    {
        const string selector = "SvdWeb";
        services.AddAuthentication(auth =>
            {
                auth.DefaultScheme = selector;
                auth.DefaultChallengeScheme = selector;
            })
            .AddPolicyScheme(selector, "API token, reverse proxy, local user or sign-in cookie", policy => policy.ForwardDefaultSelector = context =>
                ApiTokenHandler.CarriesToken(context.Request) ? ApiTokenHandler.SchemeName
                : context.RequestServices.GetRequiredService<TrustedProxies>().Vouches(context) ? ProxyUserHandler.SchemeName
                : context.RequestServices.GetRequiredService<AccountsState>().IsLocalMode ? LocalUser.Scheme
                : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, LocalUserHandler>(LocalUser.Scheme, null)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ProxyUserHandler>(ProxyUserHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AccountEndpoints.LoginPath;
            cookie.Cookie.Name = "svdweb.auth";
            // Secure whenever the request is HTTPS, including behind a trusted proxy that says so (X-Forwarded-Proto).
            cookie.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            // A sign-in lasts 14 days from the last request (README, "Security model"); a disable or password reset ends it sooner.
            cookie.ExpireTimeSpan = TimeSpan.FromDays(14);
            cookie.SlidingExpiration = true;
            // The API answers 401/403 problem details; pages redirect to the login page.
            cookie.Events.OnRedirectToLogin = context => ApiOr(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => ApiOr(context, StatusCodes.Status403Forbidden);
        });
        // A disabled account or a reset password renews the security stamp; cookies are re-checked this often.
        services.Configure<SecurityStampValidatorOptions>(stamp => stamp.ValidationInterval = TimeSpan.FromMinutes(1));
        services.AddAuthorizationBuilder().SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddCascadingAuthenticationState();
    }

    private static Task ApiOr(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || context.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static WebApplicationBuilder AddSvdWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SvdWebOptions>().BindConfiguration(SvdWebOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<SvdWebOptions>, SvdWebOptionsValidator>();
        services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountsOptions>, AccountsOptionsValidator>();
        services.AddSvdWebServices();

        // Hosted services start in registration order: recovery (migrations, re-queue) before any worker reads.
        services.AddHostedService<StartupRecovery>();
        services.AddHostedService(provider => provider.GetRequiredService<FfmpegStatus>());
        services.AddHostedService<DeviceProbe>();
        services.AddHostedService<PackWatcher>();
        services.AddHostedService<Hosting.ExposureGuard>();
        var devices = builder.Configuration.GetSection($"{SvdWebOptions.Section}:{nameof(SvdWebOptions.Devices)}").Get<string[]>() is { Length: > 0 } configured
            ? configured
            : new SvdWebOptions().WorkerDevices;
        // A web node runs no job: the workers of other processes claim what it queues.
        var role = builder.Configuration.GetValue($"{SvdWebOptions.Section}:{nameof(SvdWebOptions.Role)}", ServerRole.All);
        foreach (var device in role == ServerRole.Web ? [] : devices)
        {
            services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<JobWorker>(provider, device));
        }

        // Several hosts share one PostgreSQL: live progress, previews and revocations travel between them through it.
        if (builder.Configuration.GetValue($"{SvdWebOptions.Section}:{nameof(SvdWebOptions.Database)}:{nameof(DatabaseOptions.Provider)}", DatabaseProvider.Sqlite) == DatabaseProvider.Postgres)
        {
            services.AddSingleton<ProgressRelay>();
            services.AddHostedService(provider => provider.GetRequiredService<ProgressRelay>());
        }

        // The key ring that signs cookies and antiforgery tokens, in the database: every web node reads the same keys.
        services.AddDataProtection().SetApplicationName("SvdWeb").PersistKeysToDbContext<GalleryDbContext>();
        services.AddSvdWebAuthentication();
        // Only the scheme, and only from SvdWeb:Accounts:TrustedProxies (none by default, not even loopback): the proxy
        // that ends TLS says the request was HTTPS, so the sign-in cookie is marked Secure. Client addresses are never
        // taken from X-Forwarded-For.
        services.AddOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>().Configure<TrustedProxies>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in proxies.Networks) forwarded.KnownIPNetworks.Add(network);
        });
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.ConfigureHttpJsonOptions(options => Api.ApiJson.Configure(options.SerializerOptions));
        services.AddSignalR().AddJsonProtocol(options => Api.ApiJson.Configure(options.PayloadSerializerOptions));
        services.AddOpenApi(Api.ApiDocument.Configure);
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = Api.ApiProblemDetails.FillIn);
        // Binding failures throw in every environment (not only Development), so ApiFailureMiddleware can name the
        // field in a problem instead of answering a bare 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        return builder;
    }
}
