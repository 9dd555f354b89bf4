using Microsoft.Extensions.Options;
using SvdWeb;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Components;
using SvdWeb.Jobs;

// Before anything is written: the data folder holds password hashes and private media, readable by this user only.
SvdWeb.Storage.PrivateFiles.RestrictNewFiles();
try
{
    var builder = WebApplication.CreateBuilder(args);
    // Serves MudBlazor's and Blazor's assets from the build output in any environment (README runs the built app).
    builder.WebHost.UseStaticWebAssets();
    builder.AddSvdWeb();

    var app = builder.Build();
    if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseForwardedHeaders();
    // The API and the hub answer problem details; a page address that fails with no body gets a styled page (not
    // found, admins only) with the same status.
    app.UseWhen(SvdWeb.Hosting.StatusPages.IsApi, api => api.UseStatusCodePages());
    app.UseWhen(context => !SvdWeb.Hosting.StatusPages.IsApi(context), pages => pages.UseStatusCodePagesWithReExecute(SvdWeb.Hosting.StatusPages.Path, createScopeForStatusCodePages: true));
    // Before anything acts on a request: a page of another site must not act with the user's browser.
    app.UseMiddleware<SvdWeb.Hosting.CrossSiteRequestGuard>();
    app.UseWhen(context => context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase), api => api.UseMiddleware<ApiFailureMiddleware>());
    app.UseStaticFiles();
    // Routing after the static files: a matched endpoint would make the static file middleware step aside and leave
    // the stylesheet to the sign-in policy (the login page would load without its styles).
    app.UseRouting();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseAntiforgery();
    // The settings validated on start, checked before the host starts: a bad one then reaches the catch below alone,
    // without the host's own "Hosting failed to start" error and stack trace around the message.
    app.Services.GetService<IStartupValidator>()?.Validate();
    // A worker (SvdWeb:Role=worker) runs jobs and serves nothing; every other endpoint answers 404.
    if (app.Services.GetRequiredService<IOptions<SvdWeb.Options.SvdWebOptions>>().Value.ServesPages)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapOpenApi();
        app.MapSvdWebApi();
        app.MapAccountEndpoints();
        app.MapHub<ProgressHub>(ProgressHub.Path);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
    app.Run();
}
catch (OptionsValidationException ex) when (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
{
    // A setting the admin must fix, like every other startup check: exit 1 with the message (it names the key and the
    // fix), not an unhandled exception's abort (134) with a stack trace that buries it. Hosted by a test's
    // WebApplicationFactory (another entry assembly), the exception goes to the test.
    Console.Error.WriteLine($"SvdWeb cannot start: {string.Join(Environment.NewLine, ex.Failures)}");
    Environment.ExitCode = 1;
}

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
