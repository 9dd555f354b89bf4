using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SvdWeb.Jobs;

namespace SvdWeb.Accounts;

/// <summary>
/// <c>Authorization: Bearer svdw_…</c> on /api and /hubs: the token's account with the same claims (roles included) as a cookie
/// sign-in. Unknown and revoked tokens, and tokens of disabled accounts, get a 401 problem saying why and what to do.
/// On the progress hub the token may also come as the <c>access_token</c> query parameter, SignalR's convention for
/// WebSocket and server-sent-event requests, which browsers cannot give headers. Nowhere else: a query string ends up
/// in access logs and browser history, so it is accepted only where there is no other way.
/// </summary>
internal sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiTokenService tokens,
    AccountsState accounts,
    UserManager<IdentityUser> users,
    IUserClaimsPrincipalFactory<IdentityUser> principals) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiToken";

    private const string MakeNew = "Make a new one on the Tokens page (/account/tokens) and send it as 'Authorization: Bearer svdw_…'.";

    public const string QueryParameter = "access_token";

    /// <summary>The id of the token a request signed in with, so its hub connections can be closed when it is revoked.</summary>
    public const string TokenIdClaim = "svdweb:token";

    /// <summary>Whether the request carries a token, so this scheme (not the cookie or the local user) decides who it is.</summary>
    public static bool CarriesToken(HttpRequest request) => ReadSecret(request) is not null;

    /// <summary>
    /// The bearer header's secret on /api and /hubs, else the <c>access_token</c> query parameter on the progress hub;
    /// null when neither is there.
    /// </summary>
    public static string? ReadSecret(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && (request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)))
            return header["Bearer ".Length..].Trim();
        if (request.Path.StartsWithSegments(ProgressHub.Path, StringComparison.OrdinalIgnoreCase)
            && request.Query[QueryParameter].ToString() is { Length: > 0 } query)
            return query;
        return null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadSecret(Request) is not { } secret) return AuthenticateResult.NoResult();
        var token = secret.StartsWith(ApiTokenService.SecretPrefix, StringComparison.Ordinal)
            ? await tokens.FindBySecretAsync(secret, Context.RequestAborted).ConfigureAwait(false)
            : null;
        if (token is null || token.RevokedUtc is not null)
            return AuthenticateResult.Fail($"The API token is unknown or revoked. {MakeNew}");

        System.Security.Claims.ClaimsPrincipal principal;
        if (token.UserId == JobOwner.Local.Id)
        {
            if (!accounts.IsLocalMode)
                return AuthenticateResult.Fail($"This token belongs to the local user of a server that now has accounts (or proxy sign-in), so it no longer works. Sign in and {char.ToLowerInvariant(MakeNew[0])}{MakeNew[1..]}");
            principal = LocalUser.Principal;
        }
        else
        {
            var user = await users.FindByIdAsync(token.UserId).ConfigureAwait(false);
            if (user is null)
                return AuthenticateResult.Fail($"The account of this API token was deleted. {MakeNew}");
            if (AccountService.IsDisabled(user))
                return AuthenticateResult.Fail($"The account {user.UserName} of this API token is disabled. Ask an admin to enable it on the Users page.");
            principal = await principals.CreateAsync(user).ConfigureAwait(false);
        }
        await tokens.TouchAsync(token, Context.RequestAborted).ConfigureAwait(false);
        // A new principal: LocalUser.Principal is shared and must not collect token claims.
        var withToken = new System.Security.Claims.ClaimsPrincipal(principal.Identities);
        withToken.AddIdentity(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim(TokenIdClaim, token.Id.ToString("D"))]));
        return AuthenticateResult.Success(new AuthenticationTicket(withToken, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        var problem = new ProblemDetails
        {
            Title = "Not signed in",
            Detail = result.Failure?.Message ?? $"Send a valid API token. {MakeNew}",
            Status = StatusCodes.Status401Unauthorized,
        };
        await Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", Context.RequestAborted).ConfigureAwait(false);
    }
}
