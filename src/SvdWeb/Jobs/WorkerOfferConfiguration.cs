using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SvdWeb.Jobs;

internal sealed class WorkerOfferConfiguration : IEntityTypeConfiguration<WorkerOffer>
{
    public void Configure(EntityTypeBuilder<WorkerOffer> builder)
    {
        builder.ToTable("Workers");
        builder.HasKey(w => w.Name);
        builder.Property(w => w.Name).HasMaxLength(255);
        // SQLite drops DateTime.Kind; everything stored is UTC.
        builder.Property(w => w.HeartbeatUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
    }
}
