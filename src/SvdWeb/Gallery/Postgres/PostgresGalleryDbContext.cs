using Microsoft.EntityFrameworkCore;

namespace SvdWeb.Gallery.Postgres;

/// <summary>
/// The same model on PostgreSQL. A type of its own so that EF keeps its migrations (Gallery/Postgres/Migrations) apart
/// from SQLite's: each provider's migrations are generated for its own SQL types.
/// </summary>
public sealed class PostgresGalleryDbContext(DbContextOptions<PostgresGalleryDbContext> options) : GalleryDbContext(options)
{
    /// <summary>The serve counter claims draw from (<c>Job.ClaimSeq</c>): one number per claim, whichever host claims.</summary>
    public const string ClaimSequence = "ClaimSeq";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasSequence<long>(ClaimSequence);
    }
}
