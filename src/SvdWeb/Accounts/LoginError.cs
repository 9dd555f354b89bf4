namespace SvdWeb.Accounts;

/// <summary>
/// Why a sign-in failed, as the code in <c>/login?error=</c>. The page maps each to a fixed message, so a crafted link
/// cannot make it say anything else.
/// </summary>
public static class LoginError
{
    public const string Missing = "missing";

    public const string Wrong = "wrong";

    public const string Throttled = "throttled";

    public const string Disabled = "disabled";

    /// <returns>The message for a code, or null for anything else (shown as nothing).</returns>
    public static string? Message(string? code) => code switch
    {
        Missing => "Enter your user name and password.",
        Wrong => "Wrong user name or password.",
        Throttled => $"Too many failed sign-ins from this address: wait up to {(int)SignInThrottle.Window.TotalMinutes} minutes and try again, or ask an admin to reset the password.",
        Disabled => "This account is disabled. Ask an admin to enable it on the Users page.",
        _ => null,
    };
}
