using System.Security.Claims;
using SvdWeb.Jobs;

namespace SvdWeb.Accounts;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user as a job owner: the account id, name and admin role.</summary>
    public static JobOwner ToJobOwner(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("The request has no signed-in user; the endpoint must require authorization.");
        return new JobOwner(id, user.Identity?.Name ?? id, user.IsAdmin());
    }

    public static bool IsAdmin(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.IsInRole(Roles.Admin);
    }
}
