using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace SvdWeb.Gallery;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build the model without starting the app (whose startup validation checks the
/// models and data folders, which design time has no need of).
/// </summary>
internal sealed class DesignTimeGalleryDbContextFactory : IDesignTimeDbContextFactory<GalleryDbContext>
{
    public GalleryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<GalleryDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
