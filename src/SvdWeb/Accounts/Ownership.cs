using System.Security.Claims;
using SvdWeb.Gallery;

namespace SvdWeb.Accounts;

/// <summary>
/// Who may see and who may change an item. Its owner and admins (the local user of local mode is one) may do both;
/// others may see public items only, and change none. A private item is absent for others: 404, not 403.
/// </summary>
public static class Ownership
{
    public static bool MayChange(ClaimsPrincipal user, Job job)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(job);
        return user.IsAdmin() || string.Equals(user.FindFirstValue(ClaimTypes.NameIdentifier), job.OwnerId, StringComparison.Ordinal);
    }

    public static bool MaySee(ClaimsPrincipal user, Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return !job.IsPrivate || MayChange(user, job);
    }

    /// <summary>
    /// The gallery items this user may list: all for admins; else their own, plus others' public items unless
    /// SvdWeb:OnlyOwnItems is set.
    /// </summary>
    public static IQueryable<Job> Listable(IQueryable<Job> query, ClaimsPrincipal user, bool onlyOwnItems)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsAdmin()) return query;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        return onlyOwnItems ? query.Where(g => g.OwnerId == id) : query.Where(g => !g.IsPrivate || g.OwnerId == id);
    }

    /// <summary>Only admins reorder the queue: moving one person's job ahead delays everyone else's.</summary>
    public static bool MayReorder(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.IsAdmin();
    }

    public const string ReorderRefusal =
        "Only an admin may move jobs in the queue, since moving one job ahead delays everyone else's. Ask an admin, or cancel your own job and submit it again.";

    public static string Refusal(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return $"Job {job.Id} belongs to {job.OwnerName}; only its owner or an admin may change it.";
    }
}
