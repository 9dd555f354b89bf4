using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using SvdWeb.Accounts;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Hosting;

/// <summary>
/// Without accounts the server runs in local mode, where everyone is the built-in admin. Once the server has bound its
/// addresses, this stops the app (exit code 1) when one of them is reachable beyond this machine and no account exists
/// yet, saying how to add an admin, unless the admin said the network in front of it is trusted
/// (SvdWeb:AllowRemoteWithoutAccounts). With accounts, or with proxy sign-in (SvdWeb:Accounts:ProxyHeader), everyone
/// signs in or is named by the proxy, and any address is allowed. README's first command listens on 127.0.0.1 and is
/// unaffected.
/// </summary>
public sealed partial class ExposureGuard(IServer server, IHostApplicationLifetime lifetime, AccountsState accounts, MediaStore media, IOptions<SvdWebOptions> options, ILogger<ExposureGuard> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Check()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !IsLoopback(a)).ToArray();
        if (exposed.Length == 0 || !accounts.IsLocalMode) return;
        if (options.Value.AllowRemoteWithoutAccounts)
        {
            Log.ExposedByChoice(logger, string.Join(", ", exposed));
            return;
        }
        Log.Refused(logger, string.Join(", ", exposed), media.DataFolder);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    /// <summary>True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1.</summary>
    public static bool IsLoopback(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        // Kestrel's "any address" spellings (http://+:80, http://*:80) are not URIs; they are the opposite of loopback.
        var normalised = address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri)) return false;
        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Critical, "SvdWeb is listening on {Addresses}, which other machines can reach, but it has no user accounts yet: anyone there would be the admin. Add an admin first: svdweb users add NAME --admin --data-folder {DataFolder} (from the repository: dotnet run --project src/SvdWeb.Cli -- users add NAME --admin --data-folder {DataFolder}; it reads the password from standard input), then start again. Or listen on 127.0.0.1 only (the default, e.g. --urls http://127.0.0.1:5000), or let a reverse proxy that signs people in name them (SvdWeb:Accounts:ProxyHeader and TrustedProxies, see README), or, on a trusted network, set SvdWeb:AllowRemoteWithoutAccounts=true (SvdWeb__AllowRemoteWithoutAccounts=true). Stopping.")]
        public static partial void Refused(ILogger logger, string addresses, string dataFolder);

        [LoggerMessage(2, LogLevel.Warning, "SvdWeb is reachable from other machines on {Addresses} without user accounts (SvdWeb:AllowRemoteWithoutAccounts is true): make sure only trusted people can reach it.")]
        public static partial void ExposedByChoice(ILogger logger, string addresses);
    }
}
