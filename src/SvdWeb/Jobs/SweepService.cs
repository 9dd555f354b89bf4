using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using SvdWeb.Accounts;
using SvdWeb.Gallery;

namespace SvdWeb.Jobs;

/// <summary>
/// What the pages and the API read of sweeps (README, "Sweeps"): a sweep and its cells, in grid order. Queuing one is
/// <see cref="JobService.SubmitSweepAsync"/>, the single-job path for every cell; changing a cell is changing a job.
/// </summary>
public sealed class SweepService(IDbContextFactory<GalleryDbContext> dbFactory)
{
    /// <summary>The sweep and the cells this user may see, row by row; null when there is no such sweep or the user may see none of it.</summary>
    /// <remarks>Cells deleted since are absent; the owner and admins see every remaining cell, others the public ones.</remarks>
    public async Task<(Sweep Sweep, IReadOnlyList<Job> Cells)?> FindVisibleAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (sweep is null) return null;
        var cells = (await db.Jobs.AsNoTracking().Where(j => j.SweepId == id).ToListAsync(ct).ConfigureAwait(false))
            .Where(j => Ownership.MaySee(user, j))
            .OrderBy(j => j.SweepRow).ThenBy(j => j.SweepColumn).ToList();
        var owns = user.IsAdmin() || string.Equals(user.FindFirstValue(ClaimTypes.NameIdentifier), sweep.OwnerId, StringComparison.Ordinal);
        return cells.Count == 0 && !owns ? null : (sweep, cells);
    }

    /// <summary>The newest sweeps with at least one cell this user may list (the gallery's rules), newest first.</summary>
    public async Task<IReadOnlyList<(Sweep Sweep, IReadOnlyList<Job> Cells)>> ListAsync(ClaimsPrincipal user, bool onlyOwnItems, int take, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var cells = await Ownership.Listable(db.Jobs.AsNoTracking(), user, onlyOwnItems).Where(j => j.SweepId != null)
            .ToListAsync(ct).ConfigureAwait(false);
        var ids = cells.Select(j => j.SweepId!.Value).Distinct().ToList();
        var sweeps = await db.Sweeps.AsNoTracking().Where(s => ids.Contains(s.Id)).ToListAsync(ct).ConfigureAwait(false);
        var byId = cells.ToLookup(j => j.SweepId!.Value);
        return [.. sweeps.OrderByDescending(s => s.CreatedUtc).Take(take)
            .Select(s => (s, (IReadOnlyList<Job>)[.. byId[s.Id].OrderBy(j => j.SweepRow).ThenBy(j => j.SweepColumn)]))];
    }
}
