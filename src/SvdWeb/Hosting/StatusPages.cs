namespace SvdWeb.Hosting;

/// <summary>
/// Which requests get a styled status page and where it is. Machine callers (the REST API, the progress hub, the
/// account endpoints' form posts, the OpenAPI document) keep problem details; a browser's GET of a page gets HTML.
/// </summary>
public static class StatusPages
{
    /// <summary>The page that renders a failed page request's status (404 "not found", 403 "admins only").</summary>
    public const string Path = "/not-found";

    /// <summary>Where the sign-in cookie sends someone who is signed in but not allowed (a non-admin on an admin page):
    /// Identity's default access-denied address, answered with the styled "admins only" page.</summary>
    public const string AdminsOnlyPath = "/Account/AccessDenied";

    public static bool IsApi(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path;
        return path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase)
            || (path.StartsWithSegments("/account", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments(AdminsOnlyPath, StringComparison.OrdinalIgnoreCase))
            || !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method));
    }
}
