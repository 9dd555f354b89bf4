using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Components.Pages;

/// <summary>The Create page's editable settings; <see cref="ToRecipe"/> turns them into what the pipeline validates.</summary>
public sealed class CreateForm
{
    public string? Model { get; set; }

    public string SizePreset { get; set; } = "1024x576";

    public int Height { get; set; } = 576;

    public int Width { get; set; } = 1024;

    public FitMode Fit { get; set; } = FitMode.Stretch;

    public int NumFrames { get; set; } = 14;

    public int NumInferenceSteps { get; set; } = 25;

    public float MinGuidanceScale { get; set; } = 1.0f;

    public float MaxGuidanceScale { get; set; } = 3.0f;

    public int Fps { get; set; } = 7;

    public int MotionBucketId { get; set; } = 127;

    public float NoiseAugStrength { get; set; } = 0.02f;

    public int DecodeChunkSize { get; set; } = 14;

    public int NumVideosPerPrompt { get; set; } = 1;

    public long Seed { get; set; }

    /// <summary>Locked: every Generate uses <see cref="Seed"/>. Unlocked: a fresh seed is drawn per Generate.</summary>
    public bool SeedLocked { get; set; }

    public HalfRandnMode HalfRandn { get; set; } = HalfRandnMode.Legacy;

    /// <summary>How the job runs, not what it makes, so not in <see cref="ToRecipe"/> (see Generation.LowMemory).</summary>
    public bool LowMemory { get; set; }

    public static readonly (string Key, string Label, int Width, int Height)[] Presets =
    [
        ("1024x576", "1024 × 576 (landscape, as trained)", 1024, 576),
        ("576x1024", "576 × 1024 (portrait)", 576, 1024),
        ("768x768", "768 × 768 (square)", 768, 768),
        ("custom", "Custom", 0, 0),
    ];

    public void ApplyPreset(string key)
    {
        SizePreset = key;
        var preset = Presets.FirstOrDefault(p => p.Key == key);
        if (preset.Width > 0) (Width, Height) = (preset.Width, preset.Height);
    }

    public SvdRecipe ToRecipe() => new()
    {
        Model = Model,
        Height = Height,
        Width = Width,
        NumFrames = NumFrames,
        NumInferenceSteps = NumInferenceSteps,
        MinGuidanceScale = MinGuidanceScale,
        MaxGuidanceScale = MaxGuidanceScale,
        Fps = Fps,
        MotionBucketId = MotionBucketId,
        NoiseAugStrength = NoiseAugStrength,
        DecodeChunkSize = DecodeChunkSize,
        NumVideosPerPrompt = NumVideosPerPrompt,
        Seed = Seed,
        Fit = Fit,
        HalfRandn = HalfRandn,
    };

    /// <summary>Prefills from a stored recipe (Remix): same image and settings, seed locked.</summary>
    public void Load(SvdRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        Model = recipe.Model;
        Height = recipe.Height ?? Height;
        Width = recipe.Width ?? Width;
        SizePreset = Presets.FirstOrDefault(p => p.Width == Width && p.Height == Height).Key ?? "custom";
        NumFrames = recipe.NumFrames ?? NumFrames;
        NumInferenceSteps = recipe.NumInferenceSteps;
        MinGuidanceScale = recipe.MinGuidanceScale;
        MaxGuidanceScale = recipe.MaxGuidanceScale;
        Fps = recipe.Fps;
        MotionBucketId = recipe.MotionBucketId;
        NoiseAugStrength = recipe.NoiseAugStrength;
        DecodeChunkSize = recipe.DecodeChunkSize ?? NumFrames;
        NumVideosPerPrompt = recipe.NumVideosPerPrompt;
        Seed = recipe.Seed;
        SeedLocked = true;
        Fit = recipe.Fit;
        HalfRandn = recipe.HalfRandn;
    }
}
