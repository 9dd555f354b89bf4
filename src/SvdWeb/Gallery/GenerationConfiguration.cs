using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SvdWeb.Gallery;

internal sealed class GenerationConfiguration : IEntityTypeConfiguration<Generation>
{
    public void Configure(EntityTypeBuilder<Generation> builder)
    {
        builder.HasKey(g => g.Id);
        builder.HasIndex(g => g.CreatedUtc);
        builder.HasIndex(g => new { g.Status, g.CreatedUtc });
        builder.HasIndex(g => g.ModelName);
        builder.HasIndex(g => new { g.OwnerId, g.Status });
        builder.Property(g => g.OwnerId).HasMaxLength(64).HasDefaultValue("local");
        builder.Property(g => g.OwnerName).HasMaxLength(256).HasDefaultValue("local");
        builder.Property(g => g.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(g => g.Fit).HasConversion<string>().HasMaxLength(16);
        builder.Property(g => g.HalfRandn).HasConversion<string>().HasMaxLength(16);
        builder.Property(g => g.ModelName).HasMaxLength(200);
        builder.Property(g => g.ModelHash).HasMaxLength(64);
        builder.Property(g => g.InputSha256).HasMaxLength(64);
        builder.Property(g => g.MediaFolder).HasMaxLength(64);
        builder.Property(g => g.InputFile).HasMaxLength(64);
        builder.Property(g => g.InputFileName).HasMaxLength(260);
        builder.Property(g => g.Provider).HasMaxLength(32);
        builder.Property(g => g.Error).HasMaxLength(4000);
        builder.Property(g => g.MissingFiles).HasMaxLength(1000);
        builder.Property(g => g.LeaseOwner).HasMaxLength(200);
        builder.Property(g => g.LeaseUntil).HasConversion(v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
        builder.HasIndex(g => new { g.Status, g.LeaseUntil });
        // SQLite drops DateTime.Kind; everything stored is UTC.
        builder.Property(g => g.CreatedUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        builder.Property(g => g.StartedUtc).HasConversion(v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
        builder.Property(g => g.FinishedUtc).HasConversion(v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
    }
}
