using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace SvdWeb.Gallery;

/// <summary>
/// The gallery (SQLite: data/svdweb.db, WAL; or PostgreSQL), the queue (the Queued and Running rows) and the accounts (ASP.NET Core Identity's tables) in one file. Migrations
/// are applied at startup. The roles "admin" and "user" are seeded by a migration, so the CLI's <c>users add</c> finds
/// them in any migrated database.
/// </summary>
/// <remarks>
/// New migration, once per provider: <c>dotnet ef migrations add NAME --project src/SvdWeb --context GalleryDbContext
/// --output-dir Gallery/Migrations</c>, then the same with <c>--context PostgresGalleryDbContext --output-dir
/// Gallery/Postgres/Migrations</c>.
/// </remarks>
public class GalleryDbContext : IdentityDbContext<IdentityUser>, IDataProtectionKeyContext
{
    public GalleryDbContext(DbContextOptions<GalleryDbContext> options)
        : base(options)
    {
    }

    /// <summary>For the provider-specific subclasses, whose migrations are their own (see <see cref="Postgres.PostgresGalleryDbContext"/>).</summary>
    protected GalleryDbContext(DbContextOptions options)
        : base(options)
    {
    }

    /// <summary>ASP.NET Core's data-protection key ring: in the shared database, so a cookie from one web node works on another.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<Sweep> Sweeps => Set<Sweep>();

    public DbSet<SvdWeb.Accounts.ApiToken> ApiTokens => Set<SvdWeb.Accounts.ApiToken>();

    public DbSet<SvdWeb.Packs.PackLicenseAcceptance> PackLicenseAcceptances => Set<SvdWeb.Packs.PackLicenseAcceptance>();

    public DbSet<SvdWeb.Packs.SiteSetting> SiteSettings => Set<SvdWeb.Packs.SiteSetting>();

    public DbSet<SvdWeb.Jobs.WorkerOffer> Workers => Set<SvdWeb.Jobs.WorkerOffer>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.ApplyConfiguration(new JobConfiguration());
        builder.ApplyConfiguration(new SweepConfiguration());
        builder.ApplyConfiguration(new SvdWeb.Accounts.ApiTokenConfiguration());
        builder.ApplyConfiguration(new SvdWeb.Packs.PackLicenseAcceptanceConfiguration());
        builder.ApplyConfiguration(new SvdWeb.Packs.SiteSettingConfiguration());
        builder.ApplyConfiguration(new SvdWeb.Jobs.WorkerOfferConfiguration());
        builder.Entity<IdentityRole>().HasData(
            new IdentityRole { Id = "9d0c6f4e-0000-4000-8000-000000000001", Name = SvdWeb.Accounts.Roles.Admin, NormalizedName = "ADMIN", ConcurrencyStamp = "admin" },
            new IdentityRole { Id = "9d0c6f4e-0000-4000-8000-000000000002", Name = SvdWeb.Accounts.Roles.User, NormalizedName = "USER", ConcurrencyStamp = "user" });
    }
}
