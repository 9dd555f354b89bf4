using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SvdWeb.Gallery;

internal sealed class SweepConfiguration : IEntityTypeConfiguration<Sweep>
{
    public void Configure(EntityTypeBuilder<Sweep> builder)
    {
        builder.ToTable("Sweeps");
        builder.HasKey(s => s.Id);
        builder.HasIndex(s => s.CreatedUtc);
        builder.Property(s => s.OwnerId).HasMaxLength(64);
        builder.Property(s => s.OwnerName).HasMaxLength(256);
        builder.Property(s => s.ModelName).HasMaxLength(200);
        builder.Property(s => s.InputFileName).HasMaxLength(260);
        builder.Property(s => s.ColumnAxis).HasMaxLength(32);
        builder.Property(s => s.RowAxis).HasMaxLength(32);
        builder.Property(s => s.ColumnValues).HasMaxLength(1000);
        builder.Property(s => s.RowValues).HasMaxLength(1000);
        builder.Property(s => s.BaseRecipeJson).HasMaxLength(4000);
        builder.Property(s => s.CreatedUtc).HasConversion(v => v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
    }
}
