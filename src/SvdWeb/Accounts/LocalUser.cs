using System.Security.Claims;
using SvdWeb.Jobs;

namespace SvdWeb.Accounts;

/// <summary>The built-in user of a server without accounts: everyone on this machine, with admin rights.</summary>
public static class LocalUser
{
    public const string Scheme = "Local";

    public static ClaimsPrincipal Principal { get; } = new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, JobOwner.Local.Id),
            new Claim(ClaimTypes.Name, JobOwner.Local.Name),
            new Claim(ClaimTypes.Role, Roles.Admin),
        ], Scheme));
}
