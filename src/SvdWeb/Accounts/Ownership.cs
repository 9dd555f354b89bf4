using System.Security.Claims;
using SvdWeb.Gallery;

namespace SvdWeb.Accounts;

/// <summary>Who may cancel, delete or retry an item: its owner, or an admin (the local user of local mode is one).</summary>
public static class Ownership
{
    public static bool MayChange(ClaimsPrincipal user, Generation job)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(job);
        return user.IsAdmin() || string.Equals(user.FindFirstValue(ClaimTypes.NameIdentifier), job.OwnerId, StringComparison.Ordinal);
    }

    public static string Refusal(Generation job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return $"Job {job.Id} belongs to {job.OwnerName}; only its owner or an admin may change it.";
    }
}
