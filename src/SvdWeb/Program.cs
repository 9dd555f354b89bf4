using SvdWeb;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Components;
using SvdWeb.Jobs;

var builder = WebApplication.CreateBuilder(args);
// Serves MudBlazor's and Blazor's assets from the build output in any environment (README runs the built app).
builder.WebHost.UseStaticWebAssets();
builder.AddSvdWeb();

var app = builder.Build();
if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePages();
// Before anything acts on a request: a page of another site must not act with the user's browser.
app.UseMiddleware<SvdWeb.Hosting.CrossSiteRequestGuard>();
app.UseWhen(context => context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase), api => api.UseMiddleware<ApiFailureMiddleware>());
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets().AllowAnonymous();
app.MapOpenApi();
app.MapSvdWebApi();
app.MapAccountEndpoints();
app.MapHub<ProgressHub>(ProgressHub.Path);
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
