using SvdWeb.Accounts;

namespace SvdWeb.Hosting;

/// <summary>
/// Refuses state-changing requests that a browser sent from another site's page. A lab server also runs Jupyter,
/// TensorBoard and other apps on other ports of the same host: for the browser those pages are same-site, so the
/// SameSite=Lax sign-in cookie goes with their requests, and in local mode no cookie is needed at all. Every request
/// that can change something (any method but GET, HEAD, OPTIONS and TRACE, plus WebSocket upgrades, which open a
/// Blazor circuit or a hub connection) and is not authenticated by an API token must therefore come from SvdWeb's own
/// origin.
/// <para>
/// The browser says so itself: <c>Sec-Fetch-Site</c> (sent by every current browser, and not settable by scripts) must
/// be <c>same-origin</c> or <c>none</c>. Older browsers send only <c>Origin</c>, which must then equal this server's
/// scheme, host and port (the scheme from <c>X-Forwarded-Proto</c> only when the connection comes from one of
/// SvdWeb:Accounts:TrustedProxies). A request with neither header is not from a browser page (curl, scripts) and
/// carries no ambient credentials a page could borrow, so it passes. This was chosen over antiforgery tokens because it
/// covers the REST API, the login form and Blazor's own endpoints alike, with nothing for scripts to fetch first.
/// </para>
/// </summary>
internal sealed partial class CrossSiteRequestGuard(RequestDelegate next, TrustedProxies proxies, ILogger<CrossSiteRequestGuard> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (Refusal(context.Request, proxies) is { } why)
        {
            Log.Refused(logger, context.Request.Method, context.Request.Path, why);
            await TypedResults.Problem(
                    $"This {context.Request.Method} request to {context.Request.Path} came from a page of another site ({why}); SvdWeb accepts changes only from its own pages. "
                    + "A script should send an API token as 'Authorization: Bearer svdw_…' (make one on /account/tokens) instead of a browser's sign-in. "
                    + "If this was SvdWeb's own page behind a reverse proxy, the proxy must pass the Host header unchanged (nginx: proxy_set_header Host $host).",
                    statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    /// <returns>Why the request is refused, or null when it may go on.</returns>
    internal static string? Refusal(HttpRequest request, TrustedProxies proxies)
    {
        if (!ChangesState(request) || ApiTokenHandler.CarriesToken(request)) return null;
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return string.Equals(site, "same-origin", StringComparison.OrdinalIgnoreCase) || string.Equals(site, "none", StringComparison.OrdinalIgnoreCase)
                ? null
                : $"Sec-Fetch-Site: {site}";
        }
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        return IsOwnOrigin(origin, request, proxies) ? null : $"Origin: {origin}";
    }

    private static bool ChangesState(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        || request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);

    private static bool IsOwnOrigin(string origin, HttpRequest request, TrustedProxies proxies)
    {
        // "null" (sandboxed frames, some redirects) and anything unparsable are never this server.
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !request.Host.HasValue) return false;
        var scheme = request.Scheme;
        if (request.Headers["X-Forwarded-Proto"].ToString() is { Length: > 0 } forwarded && proxies.Contains(request.HttpContext.Connection.RemoteIpAddress))
            scheme = forwarded.Split(',')[0].Trim();
        var port = request.Host.Port ?? (string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80);
        return string.Equals(uri.Scheme, scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase)
            && uri.Port == port;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Refused a cross-site {Method} to {Path} ({Why}): a page of another site tried to act with a signed-in browser.")]
        public static partial void Refused(ILogger logger, string method, string path, string why);
    }
}
