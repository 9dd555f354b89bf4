using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SvdWeb.Packs;

internal sealed class PackLicenseAcceptanceConfiguration : IEntityTypeConfiguration<PackLicenseAcceptance>
{
    public void Configure(EntityTypeBuilder<PackLicenseAcceptance> builder)
    {
        builder.HasKey(a => a.Id);
        builder.HasIndex(a => new { a.PackName, a.LicenseSha256 });
        builder.Property(a => a.PackName).HasMaxLength(255);
        builder.Property(a => a.LicenseFile).HasMaxLength(64);
        builder.Property(a => a.LicenseSha256).HasMaxLength(64);
        builder.Property(a => a.PackHash).HasMaxLength(64);
        builder.Property(a => a.AcceptedById).HasMaxLength(64);
        builder.Property(a => a.AcceptedByName).HasMaxLength(256);
        // SQLite drops DateTime.Kind; everything stored is UTC.
        builder.Property(a => a.AcceptedUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
    }
}
