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

    /// <summary>Whether the request carries a bearer token, so this scheme (not the cookie) decides who it is.</summary>
    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasBearer(Request)) return AuthenticateResult.NoResult();
        var secret = Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var token = secret.StartsWith(ApiTokenService.SecretPrefix, StringComparison.Ordinal)
            ? await tokens.FindBySecretAsync(secret, Context.RequestAborted).ConfigureAwait(false)
            : null;
        if (token is null || token.RevokedUtc is not null)
            return AuthenticateResult.Fail($"The API token is unknown or revoked. {MakeNew}");

        System.Security.Claims.ClaimsPrincipal principal;
        if (token.UserId == JobOwner.Local.Id)
        {
            if (accounts.HasAccounts)
                return AuthenticateResult.Fail($"This token belongs to the local user of a server that now has accounts, so it no longer works. Sign in and {char.ToLowerInvariant(MakeNew[0])}{MakeNew[1..]}");
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
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
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
