namespace SvdWeb.Options;

/// <summary>
/// Section "SvdWeb:Accounts": sign-in through a trusted reverse proxy, off by default. With <see cref="ProxyHeader"/>
/// set, a request whose connection comes from one of <see cref="TrustedProxies"/> and carries that header is signed in
/// as the local account of that name; the header from any other address is ignored. Validated at startup
/// (<see cref="AccountsOptionsValidator"/>).
/// </summary>
public sealed class AccountsOptions
{
    public const string Section = "SvdWeb:Accounts";

    /// <summary>
    /// The request header in which the reverse proxy puts the signed-in user's name, e.g. "X-Forwarded-User". Empty
    /// (the default) turns proxy sign-in off. While it is set the server never runs in local mode: everyone is either
    /// vouched for by the proxy or signs in.
    /// </summary>
    public string? ProxyHeader { get; set; }

    /// <summary>
    /// Addresses the reverse proxy connects from, as IP addresses ("127.0.0.1", "::1") or CIDR ranges ("10.1.0.0/16").
    /// Judged by the connection's own address, never X-Forwarded-For. Required when <see cref="ProxyHeader"/> is set.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// When true, a name the proxy sends that has no account yet gets one (role "user", no password) on its first
    /// request. Defaults to false: unknown names are refused with 403, and an admin adds accounts
    /// (svdweb users add NAME).
    /// </summary>
    public bool ProvisionProxyUsers { get; set; }

    /// <summary>Whether proxy sign-in is on.</summary>
    public bool IsProxyMode => !string.IsNullOrWhiteSpace(ProxyHeader);
}
