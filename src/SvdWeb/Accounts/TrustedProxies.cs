using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Accounts;

/// <summary>
/// Which connections may vouch for a user with SvdWeb:Accounts:ProxyHeader. Only the connection's own address counts:
/// X-Forwarded-For is written by whoever sends the request, so it proves nothing. The header from any other address is
/// ignored, and each such address is logged once, as a warning: it is either a misconfigured proxy or someone trying.
/// </summary>
public sealed partial class TrustedProxies
{
    // Bounds the memory of who was warned about: a flood from many addresses must not grow it without end.
    private const int MaxWarnedAddresses = 1024;

    private readonly IPNetwork[] _networks;
    private readonly ConcurrentDictionary<IPAddress, byte> _warned = new();
    private readonly ILogger<TrustedProxies> _logger;

    public TrustedProxies(IOptions<AccountsOptions> options, ILogger<TrustedProxies> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        Header = options.Value.IsProxyMode ? options.Value.ProxyHeader!.Trim() : null;
        // Entries were validated at startup (AccountsOptionsValidator); one that still fails to parse trusts nothing.
        _networks = [.. options.Value.TrustedProxies.Select(e => TryParse(e, out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>()];
    }

    /// <summary>The addresses and ranges of SvdWeb:Accounts:TrustedProxies.</summary>
    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>The header that names the user, or null when proxy sign-in is off.</summary>
    public string? Header { get; }

    /// <summary>
    /// Whether this request is a trusted proxy's word about who the user is: proxy sign-in is on, the header is present
    /// and the connection comes from a trusted address. Logs (once per address) a header from anywhere else.
    /// </summary>
    public bool Vouches(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Header is null || !context.Request.Headers.ContainsKey(Header)) return false;
        var remote = context.Connection.RemoteIpAddress;
        if (Contains(remote)) return true;
        if (_warned.Count < MaxWarnedAddresses && _warned.TryAdd(remote ?? IPAddress.None, 0))
            Log.UntrustedHeader(_logger, Header, remote?.ToString() ?? "(no address)");
        return false;
    }

    public bool Contains(IPAddress? address)
    {
        if (address is null) return false;
        // A dual-stack socket reports IPv4 callers as ::ffff:a.b.c.d; the list is written in IPv4.
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _networks)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }

    /// <summary>An address ("10.1.2.3", "::1") as a one-address range, or a CIDR range ("10.1.0.0/16").</summary>
    public static bool TryParse(string? entry, out IPNetwork network)
    {
        network = default;
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!TryParseStrict(slash < 0 ? text : text[..slash], out var address)) return false;
        // .NET clears the bits after the prefix ("10.0.0.1/8" reads as 10.0.0.0/8); a writer who meant one address
        // would trust a whole range, so such an entry is refused instead.
        if (slash >= 0) return IPNetwork.TryParse(text, out network) && network.BaseAddress.Equals(address);
        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>
    /// IPAddress.TryParse also takes inet_aton's short forms ("10" is 0.0.0.10, "10.1" is 10.0.0.1); in a trust list
    /// those are typos, so IPv4 must be written as four parts.
    /// </summary>
    private static bool TryParseStrict(string text, out IPAddress address) =>
        IPAddress.TryParse(text, out address!)
        && (address.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') == 3);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Ignored the {Header} header from {Address}, which is not in SvdWeb:Accounts:TrustedProxies: only the reverse proxy may name the user. If that is your proxy, add its address to TrustedProxies. (Logged once per address.)")]
        public static partial void UntrustedHeader(ILogger logger, string header, string address);
    }
}
