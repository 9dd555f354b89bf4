using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace SvdWeb.Accounts;

/// <summary>
/// Sign-in and sign-out. The login page is static server rendering (an interactive circuit cannot set cookies) and
/// posts here; minimal APIs validate the antiforgery token of form posts.
/// </summary>
public static partial class AccountEndpoints
{
    public const string LoginPath = "/login";

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The antiforgery token is checked here rather than by form binding, so a missing one gets a problem that
        // says what to do instead of a bare 400.
        app.MapPost("/account/login", LoginAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapPost("/account/logout", LogoutAsync).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Checks the password the same way, in the same time, for known and unknown names (a hash is verified either
    /// way), and answers both with the same code. The account is never locked by wrong passwords:
    /// <see cref="SignInThrottle"/> slows the address that guesses instead. Only a correct password learns that an
    /// account is disabled.
    /// </summary>
    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn,
        IPasswordHasher<IdentityUser> hasher, SignInThrottle throttle, ILoggerFactory loggers)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            return FormRefused("sign-in");
        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var back = SafeReturnUrl(form["returnUrl"]);
        var userName = form["userName"].ToString().Trim();
        var password = form["password"].ToString();
        if (userName.Length == 0 || password.Length == 0)
            return Fail(LoginError.Missing, back);
        var logger = loggers.CreateLogger(typeof(AccountEndpoints));
        var address = context.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(address, userName) is { } until)
        {
            Log.SignInThrottled(logger, userName, address?.ToString() ?? "(in-process)", until);
            return Fail(LoginError.Throttled, back);
        }

        var users = signIn.UserManager;
        var user = await users.FindByNameAsync(userName).ConfigureAwait(false);
        bool correct;
        if (user?.PasswordHash is null)
        {
            // The same work as a real check, so the time does not tell an unknown name (or one without a password).
            hasher.VerifyHashedPassword(user ?? new IdentityUser(), DummyHash.Value, password);
            correct = false;
        }
        else
        {
            correct = await users.CheckPasswordAsync(user, password).ConfigureAwait(false);
        }
        if (!correct)
        {
            throttle.Failed(address, userName);
            Log.SignInFailed(logger, userName, address?.ToString() ?? "(in-process)");
            return Fail(LoginError.Wrong, back);
        }
        throttle.Succeeded(address, userName);
        if (AccountService.IsDisabled(user!))
            return Fail(LoginError.Disabled, back);
        await signIn.SignInAsync(user!, isPersistent: true).ConfigureAwait(false);
        Log.SignedIn(logger, userName);
        return Results.LocalRedirect(back);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false)) return FormRefused("sign-out");
        await signIn.SignOutAsync().ConfigureAwait(false);
        return Results.LocalRedirect(LoginPath);
    }

    private static IResult FormRefused(string what) => TypedResults.Problem(
        $"The {what} form's antiforgery token is missing or invalid, so it may not come from SvdWeb's own page. Reload the page and try again.",
        statusCode: StatusCodes.Status403Forbidden, title: "Form refused");

    /// <summary>The login page shows the fixed message of a code; nothing of the URL's text reaches the page.</summary>
    private static IResult Fail(string code, string returnUrl) =>
        Results.LocalRedirect($"{LoginPath}?error={code}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    // A hash of a random password in Identity's current format, to verify against when there is no real one.
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<IdentityUser>().HashPassword(new IdentityUser(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24))));

    /// <summary>Only paths on this site: "/gallery" yes, "//evil.example" and "https://…" no.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{UserName} signed in.")]
        public static partial void SignedIn(ILogger logger, string userName);

        [LoggerMessage(2, LogLevel.Warning, "Failed sign-in for {UserName} from {Client}.")]
        public static partial void SignInFailed(ILogger logger, string userName, string client);

        [LoggerMessage(3, LogLevel.Warning, "Sign-in for {UserName} from {Client} refused unchecked: too many failures from there, until {Until}.")]
        public static partial void SignInThrottled(ILogger logger, string userName, string client, DateTimeOffset until);
    }
}
