using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery.Postgres;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Gallery;

/// <summary>
/// Makes the gallery context for the configured provider (<see cref="DatabaseOptions"/>): SQLite's
/// <see cref="GalleryDbContext"/> or <see cref="PostgresGalleryDbContext"/>, so every consumer asks for one type.
/// </summary>
internal sealed class GalleryDbContextFactory(IOptions<SvdWebOptions> options, MediaStore media, ILoggerFactory loggers) : IDbContextFactory<GalleryDbContext>
{
    private DbContextOptions? _options;

    public DatabaseProvider Provider => options.Value.Database.Provider;

    public GalleryDbContext CreateDbContext()
    {
        var built = _options ??= Build();
        return Provider == DatabaseProvider.Postgres
            ? new PostgresGalleryDbContext((DbContextOptions<PostgresGalleryDbContext>)built)
            : new GalleryDbContext((DbContextOptions<GalleryDbContext>)built);
    }

    private DbContextOptions Build()
    {
        var database = options.Value.Database;
        if (database.Provider == DatabaseProvider.Postgres)
        {
            return new DbContextOptionsBuilder<PostgresGalleryDbContext>().UseLoggerFactory(loggers).UseNpgsql(database.ConnectionString).Options;
        }
        var connection = string.IsNullOrWhiteSpace(database.ConnectionString)
            ? $"Data Source={Path.Combine(media.DataFolder, "svdweb.db")};Cache=Shared"
            : database.ConnectionString;
        return new DbContextOptionsBuilder<GalleryDbContext>().UseLoggerFactory(loggers).UseSqlite(connection).Options;
    }
}
