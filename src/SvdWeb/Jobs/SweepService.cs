using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using SvdWeb.Accounts;
using SvdWeb.Gallery;

namespace SvdWeb.Jobs;

/// <summary>
/// What the pages and the API read of sweeps (README, "Sweeps"): a sweep and its cells, in grid order. Queuing one is
/// <see cref="JobService.SubmitSweepAsync"/>, the single-job path for every cell; changing a cell is changing a job.
/// </summary>
public sealed class SweepService(IDbContextFactory<GalleryDbContext> dbFactory, JobService jobs)
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
        return cells.Count == 0 && !MayChange(user, sweep) ? null : (sweep, cells);
    }

    /// <summary>
    /// Deletes the whole set: every cell as the gallery deletes a job (its files with it; a running cell is cancelled),
    /// then the sweep's row, so no empty sweep is left behind. Only the sweep's owner or an admin may: the cells are
    /// theirs (a sweep is queued by one user).
    /// </summary>
    public async Task<SweepDeletion> DeleteAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await FindVisibleAsync(id, user, ct).ConfigureAwait(false) is not { } found) return SweepDeletion.NotFound;
        if (!MayChange(user, found.Sweep)) return SweepDeletion.Forbidden;
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        // Every cell, not only the visible ones: an admin or the owner sees them all, and a private cell is still the owner's.
        var cellIds = await db.Jobs.Where(j => j.SweepId == id).Select(j => j.Id).ToListAsync(ct).ConfigureAwait(false);
        foreach (var cell in cellIds) await jobs.DeleteAsync(cell, ct).ConfigureAwait(false);
        await db.Sweeps.Where(s => s.Id == id).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        return SweepDeletion.Deleted;
    }

    /// <summary>The owner of the sweep or an admin: who may delete it.</summary>
    public static bool MayChange(ClaimsPrincipal user, Sweep sweep)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(sweep);
        return user.IsAdmin() || string.Equals(user.FindFirstValue(ClaimTypes.NameIdentifier), sweep.OwnerId, StringComparison.Ordinal);
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
