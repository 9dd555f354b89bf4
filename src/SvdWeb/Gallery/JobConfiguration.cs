using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using SvdWeb.Inference;

namespace SvdWeb.Gallery;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        // The table kept the name it had before the code said "job": no migration.
        builder.ToTable("Generations");
        builder.HasKey(g => g.Id);
        builder.HasIndex(g => g.CreatedUtc);
        builder.HasIndex(g => new { g.Status, g.CreatedUtc });
        builder.HasIndex(g => g.ModelName);
        builder.HasIndex(g => new { g.OwnerId, g.Status });
        builder.HasIndex(g => g.SweepId);
        builder.Property(g => g.OwnerId).HasMaxLength(64).HasDefaultValue("local");
        builder.Property(g => g.OwnerName).HasMaxLength(256).HasDefaultValue("local");
        builder.Property(g => g.Status).HasConversion<string>().HasMaxLength(16);
        // The recipe keeps the flat columns it had as properties of Job: no migration, and the gallery's SQL reads the same.
        builder.ComplexProperty(g => g.Recipe, recipe =>
        {
            recipe.Property(r => r.Height).HasColumnName(nameof(ResolvedRecipe.Height));
            recipe.Property(r => r.Width).HasColumnName(nameof(ResolvedRecipe.Width));
            recipe.Property(r => r.NumFrames).HasColumnName(nameof(ResolvedRecipe.NumFrames));
            recipe.Property(r => r.NumInferenceSteps).HasColumnName(nameof(ResolvedRecipe.NumInferenceSteps));
            recipe.Property(r => r.MinGuidanceScale).HasColumnName(nameof(ResolvedRecipe.MinGuidanceScale));
            recipe.Property(r => r.MaxGuidanceScale).HasColumnName(nameof(ResolvedRecipe.MaxGuidanceScale));
            recipe.Property(r => r.Fps).HasColumnName(nameof(ResolvedRecipe.Fps));
            recipe.Property(r => r.MotionBucketId).HasColumnName(nameof(ResolvedRecipe.MotionBucketId));
            recipe.Property(r => r.NoiseAugStrength).HasColumnName(nameof(ResolvedRecipe.NoiseAugStrength));
            recipe.Property(r => r.DecodeChunkSize).HasColumnName(nameof(ResolvedRecipe.DecodeChunkSize));
            recipe.Property(r => r.NumVideosPerPrompt).HasColumnName(nameof(ResolvedRecipe.NumVideosPerPrompt));
            recipe.Property(r => r.Seed).HasColumnName(nameof(ResolvedRecipe.Seed));
            recipe.Property(r => r.Fit).HasColumnName(nameof(ResolvedRecipe.Fit)).HasConversion<string>().HasMaxLength(16);
            recipe.Property(r => r.HalfRandn).HasColumnName(nameof(ResolvedRecipe.HalfRandn)).HasConversion<string>().HasMaxLength(16);
        });
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
