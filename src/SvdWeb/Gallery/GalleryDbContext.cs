using Microsoft.EntityFrameworkCore;

namespace SvdWeb.Gallery;

/// <summary>
/// The SQLite gallery (data/svdweb.db, WAL). Migrations are applied at startup.
/// </summary>
/// <remarks>New migration: <c>dotnet ef migrations add NAME --project src/SvdWeb --output-dir Gallery/Migrations</c>.</remarks>
public sealed class GalleryDbContext(DbContextOptions<GalleryDbContext> options) : DbContext(options)
{
    public DbSet<Generation> Generations => Set<Generation>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new GenerationConfiguration());
    }
}
