using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SvdWeb.Gallery.Postgres;

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresGalleryDbContext</c> build the model; it never connects.</summary>
internal sealed class DesignTimePostgresGalleryDbContextFactory : IDesignTimeDbContextFactory<PostgresGalleryDbContext>
{
    public PostgresGalleryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGalleryDbContext>().UseNpgsql("Host=localhost;Database=svdweb-design-time").Options);
}
