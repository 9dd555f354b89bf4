using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using SvdWeb.Accounts;
using SvdWeb.Gallery;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.Devices;

namespace SvdWeb.Packs;

/// <summary>
/// What admins decide about packs, stored in SQLite: which licenses were accepted (per pack and license text) and the
/// default pack. Read on every render and submission, so it is cached in memory and loaded once on first use; every
/// change goes through here, which refreshes the cache and raises <see cref="Changed"/>.
/// </summary>
public sealed partial class PackAdministration(IDbContextFactory<GalleryDbContext> dbFactory, TimeProvider time, ILogger<PackAdministration> logger)
{
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;

    /// <summary>Raised after an admin accepts a license or sets the default pack.</summary>
    public event Action? Changed;

    /// <summary>The default pack an admin set, or null when none was set (appsettings' DefaultPack applies).</summary>
    public string? StoredDefaultPack => Load().DefaultPack;

    /// <summary>The acceptance of this pack's current license, or null when it has none or the pack ships no license.</summary>
    public PackLicenseAcceptance? AcceptanceOf(ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return pack.License is { } license
            ? Load().Acceptances.LastOrDefault(a => a.PackName == pack.Name && a.LicenseSha256 == license.Sha256)
            : null;
    }

    /// <summary>A pack without a license, or whose current license an admin accepted.</summary>
    public bool IsLicenseAccepted(ModelPack pack) => pack?.License is null || AcceptanceOf(pack) is not null;

    /// <exception cref="UnauthorizedAccessException">The user is not an admin.</exception>
    public async Task AcceptLicenseAsync(ModelPack pack, ClaimsPrincipal admin, string? packHash, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var by = RequireAdmin(admin, "accept a pack's license");
        if (pack.License is not { } license || AcceptanceOf(pack) is not null) return;
        await using (var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            db.PackLicenseAcceptances.Add(new PackLicenseAcceptance
            {
                PackName = pack.Name,
                LicenseFile = license.FileName,
                LicenseSha256 = license.Sha256,
                PackHash = packHash,
                AcceptedById = by.Id,
                AcceptedByName = by.Name,
                AcceptedUtc = time.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        Log.LicenseAccepted(logger, pack.Name, license.FileName, license.Sha256, by.Name);
        await ReloadAsync(ct).ConfigureAwait(false);
    }

    /// <exception cref="UnauthorizedAccessException">The user is not an admin.</exception>
    /// <exception cref="PackLicenseNotAcceptedException">The pack's license is not accepted: a default nobody may use would
    /// make every Create page start on a refusal.</exception>
    public async Task SetDefaultPackAsync(ModelPack pack, ClaimsPrincipal admin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var by = RequireAdmin(admin, "set the default pack");
        if (!IsLicenseAccepted(pack)) throw new PackLicenseNotAcceptedException(pack.Name, pack.License!.FileName);
        var packName = pack.Name;
        await using (var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false))
        {
            var row = await db.SiteSettings.FindAsync([SiteSetting.DefaultPackKey], ct).ConfigureAwait(false);
            if (row is null)
            {
                db.SiteSettings.Add(new SiteSetting { Key = SiteSetting.DefaultPackKey, Value = packName, UpdatedByName = by.Name, UpdatedUtc = time.GetUtcNow().UtcDateTime });
            }
            else
            {
                row.Value = packName;
                row.UpdatedByName = by.Name;
                row.UpdatedUtc = time.GetUtcNow().UtcDateTime;
            }
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        Log.DefaultPackSet(logger, packName, by.Name);
        await ReloadAsync(ct).ConfigureAwait(false);
    }

    private static JobOwner RequireAdmin(ClaimsPrincipal user, string action)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.IsAdmin() ? user.ToJobOwner() : throw new UnauthorizedAccessException($"Only an admin may {action}.");
    }

    // Synchronous on purpose: the readers are property getters used while rendering and inside synchronous checks, and
    // this runs once per process (two small queries), after which the cache answers.
    private Snapshot Load()
    {
        lock (_gate)
        {
            if (_snapshot is not null) return _snapshot;
            using var db = dbFactory.CreateDbContext();
            _snapshot = new Snapshot(
                db.SiteSettings.AsNoTracking().Where(s => s.Key == SiteSetting.DefaultPackKey).Select(s => s.Value).FirstOrDefault(),
                db.PackLicenseAcceptances.AsNoTracking().OrderBy(a => a.Id).ToList());
            return _snapshot;
        }
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var snapshot = new Snapshot(
            await db.SiteSettings.AsNoTracking().Where(s => s.Key == SiteSetting.DefaultPackKey).Select(s => s.Value).FirstOrDefaultAsync(ct).ConfigureAwait(false),
            await db.PackLicenseAcceptances.AsNoTracking().OrderBy(a => a.Id).ToListAsync(ct).ConfigureAwait(false));
        lock (_gate) _snapshot = snapshot;
        Changed?.Invoke();
    }

    private sealed record Snapshot(string? DefaultPack, IReadOnlyList<PackLicenseAcceptance> Acceptances);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "License {LicenseFile} (SHA-256 {Sha256}) of model pack {Pack} accepted by {Admin}.")]
        public static partial void LicenseAccepted(ILogger logger, string pack, string licenseFile, string sha256, string admin);

        [LoggerMessage(2, LogLevel.Information, "Default model pack set to {Pack} by {Admin}.")]
        public static partial void DefaultPackSet(ILogger logger, string pack, string admin);
    }
}
