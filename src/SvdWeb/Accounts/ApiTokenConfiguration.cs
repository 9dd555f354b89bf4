using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SvdWeb.Accounts;

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.HasKey(t => t.Id);
        builder.HasIndex(t => t.Sha256).IsUnique();
        builder.HasIndex(t => t.UserId);
        builder.Property(t => t.UserId).HasMaxLength(64);
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.Prefix).HasMaxLength(16);
        builder.Property(t => t.Sha256).HasMaxLength(64);
        // SQLite drops DateTime.Kind; everything stored is UTC.
        builder.Property(t => t.CreatedUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
        builder.Property(t => t.LastUsedUtc).HasConversion(v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
        builder.Property(t => t.RevokedUtc).HasConversion(v => v, v => v == null ? null : DateTime.SpecifyKind(v.Value, DateTimeKind.Utc));
    }
}
