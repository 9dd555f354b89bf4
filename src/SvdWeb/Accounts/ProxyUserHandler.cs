using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Accounts;

/// <summary>
/// Trusted reverse-proxy sign-in: a request that <see cref="TrustedProxies"/> vouches for is the local account named
/// in SvdWeb:Accounts:ProxyHeader, with the same claims (roles included) as a cookie sign-in. The proxy has already
/// decided who the user is, so a login page cannot help: an unknown name (unless SvdWeb:Accounts:ProvisionProxyUsers
/// creates it) and a disabled account get 403 with the reason, not a redirect. Unknown names are refused by default
/// because anyone the proxy lets in would otherwise get an account here.
/// </summary>
internal sealed class ProxyUserHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TrustedProxies proxies,
    IOptions<AccountsOptions> accountsOptions,
    AccountService accounts,
    UserManager<IdentityUser> users,
    IUserClaimsPrincipalFactory<IdentityUser> principals) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "Proxy";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // The default scheme's selector only forwards vouched-for requests here; asked directly, check again.
        if (!proxies.Vouches(Context)) return AuthenticateResult.NoResult();
        var header = proxies.Header!;
        var values = Request.Headers[header];
        if (values.Count != 1 || values[0]?.Trim() is not { Length: > 0 } name)
            return AuthenticateResult.Fail($"The reverse proxy sent {values.Count} values in {header}, or an empty one; it must send exactly one user name. Check the proxy's configuration.");

        var user = await users.FindByNameAsync(name).ConfigureAwait(false);
        if (user is null && accountsOptions.Value.ProvisionProxyUsers)
        {
            try
            {
                await accounts.ProvisionAsync(name, Context.RequestAborted).ConfigureAwait(false);
            }
            catch (AccountException ex)
            {
                return AuthenticateResult.Fail($"No account could be made for '{name}', the user the reverse proxy sent: {ex.Message}");
            }
            user = await users.FindByNameAsync(name).ConfigureAwait(false);
        }
        if (user is null)
            return AuthenticateResult.Fail($"There is no SvdWeb account '{name}' (the user the reverse proxy sent in {header}). Ask an admin to add it " +
                $"(svdweb users add {name}), or to set SvdWeb:Accounts:ProvisionProxyUsers=true so that the proxy's users get an account on their first visit.");
        if (AccountService.IsDisabled(user))
            return AuthenticateResult.Fail($"The account {user.UserName} is disabled. Ask an admin to enable it on the Users page.");
        var principal = await principals.CreateAsync(user).ConfigureAwait(false);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var detail = result.Failure?.Message ?? "The reverse proxy did not name a user SvdWeb knows.";
        Response.StatusCode = StatusCodes.Status403Forbidden;
        if (Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
        {
            var problem = new ProblemDetails { Title = "Not allowed", Detail = detail, Status = StatusCodes.Status403Forbidden };
            await Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", Context.RequestAborted).ConfigureAwait(false);
            return;
        }
        // A page: the person sees this in their browser, so plain words.
        Response.ContentType = "text/plain; charset=utf-8";
        await Response.WriteAsync($"SvdWeb: {detail}", Context.RequestAborted).ConfigureAwait(false);
    }
}
