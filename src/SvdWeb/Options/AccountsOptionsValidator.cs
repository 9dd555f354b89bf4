using Microsoft.Extensions.Options;
using SvdWeb.Accounts;

namespace SvdWeb.Options;

/// <summary>
/// Proxy sign-in half configured is refused at startup rather than silently off (or, worse, trusting more than meant):
/// a header without proxies, proxies without a header, an entry that is not an address or range, a header name that
/// cannot be one. Messages name the key, the value and the fix.
/// </summary>
internal sealed class AccountsOptionsValidator : IValidateOptions<AccountsOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.IsProxyMode && !IsHeaderName(options.ProxyHeader!.Trim()))
            failures.Add($"SvdWeb:Accounts:ProxyHeader '{options.ProxyHeader}' is not an HTTP header name. Use letters, digits and dashes, e.g. X-Forwarded-User.");
        if (options.IsProxyMode && options.TrustedProxies.Count == 0)
            failures.Add($"SvdWeb:Accounts:ProxyHeader is '{options.ProxyHeader}' but SvdWeb:Accounts:TrustedProxies is empty, so no request may use it. " +
                "List the address the reverse proxy connects from, e.g. SvdWeb__Accounts__TrustedProxies__0=127.0.0.1 (or a range such as 10.1.0.0/16), or remove ProxyHeader to turn proxy sign-in off.");
        if (!options.IsProxyMode && options.TrustedProxies.Count > 0)
            failures.Add("SvdWeb:Accounts:TrustedProxies is set but SvdWeb:Accounts:ProxyHeader is empty. Set the header the proxy puts the user name in, " +
                "e.g. SvdWeb__Accounts__ProxyHeader=X-Forwarded-User, or remove TrustedProxies.");
        foreach (var entry in options.TrustedProxies)
        {
            if (!TrustedProxies.TryParse(entry, out _))
                failures.Add($"SvdWeb:Accounts:TrustedProxies entry '{entry}' is not an IP address or CIDR range. Write an address (10.1.2.3, ::1) or a range (10.1.0.0/16), " +
                    "where the bits after the prefix length are zero.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>RFC 9110's token characters: what a header name may contain.</summary>
    private static bool IsHeaderName(string header) =>
        header.Length > 0 && header.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
