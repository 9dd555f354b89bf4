using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Accounts;

/// <summary>
/// Local mode: while no account exists, a request from this machine (or from anywhere, when
/// SvdWeb:AllowRemoteWithoutAccounts is true) is the built-in local admin. Once an account exists, or proxy sign-in is on,
/// this never succeeds.
/// </summary>
internal sealed class LocalUserHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AccountsState accounts,
    IOptions<SvdWebOptions> options) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!accounts.IsLocalMode) return Task.FromResult(AuthenticateResult.NoResult());
        var remote = Context.Connection.RemoteIpAddress;
        // No address: an in-process caller (the test server), which is this machine by definition.
        var local = remote is null || IPAddress.IsLoopback(remote);
        if (!local && !options.Value.AllowRemoteWithoutAccounts)
            return Task.FromResult(AuthenticateResult.Fail("This server has no accounts yet, so only this machine may use it."));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(LocalUser.Principal, LocalUser.Scheme)));
    }
}
