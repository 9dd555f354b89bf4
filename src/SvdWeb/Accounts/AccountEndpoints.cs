using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

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
        app.MapPost("/account/login", LoginAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/account/logout", LogoutAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> LoginAsync([FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<IdentityUser> signIn, ILoggerFactory loggers)
    {
        var back = SafeReturnUrl(returnUrl);
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
            return Fail("Enter your user name and password.", back);
        var result = await signIn.PasswordSignInAsync(userName.Trim(), password, isPersistent: true, lockoutOnFailure: true).ConfigureAwait(false);
        var logger = loggers.CreateLogger(typeof(AccountEndpoints));
        if (result.Succeeded)
        {
            Log.SignedIn(logger, userName);
            return Results.LocalRedirect(back);
        }
        Log.SignInFailed(logger, userName, result.IsLockedOut);
        if (result.IsLockedOut && await signIn.UserManager.FindByNameAsync(userName.Trim()).ConfigureAwait(false) is { } user && AccountService.IsDisabled(user))
            return Fail("This account is disabled. Ask an admin to enable it on the Users page.", back);
        return Fail(result.IsLockedOut
            ? "Too many wrong passwords: this account is locked for a few minutes. Try again later or ask an admin to reset the password."
            : "Wrong user name or password.", back);
    }

    private static async Task<IResult> LogoutAsync(SignInManager<IdentityUser> signIn)
    {
        await signIn.SignOutAsync().ConfigureAwait(false);
        return Results.LocalRedirect(LoginPath);
    }

    private static IResult Fail(string message, string returnUrl) =>
        Results.LocalRedirect($"{LoginPath}?error={Uri.EscapeDataString(message)}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    /// <summary>Only paths on this site: "/gallery" yes, "//evil.example" and "https://…" no.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{UserName} signed in.")]
        public static partial void SignedIn(ILogger logger, string userName);

        [LoggerMessage(2, LogLevel.Warning, "Failed sign-in for {UserName} (locked out: {LockedOut}).")]
        public static partial void SignInFailed(ILogger logger, string userName, bool lockedOut);
    }
}
