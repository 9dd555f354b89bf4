using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Components.Pages;

/// <summary>
/// The Create page's editable settings; <see cref="ToRecipe"/> turns them into what the pipeline validates. Every
/// starting value comes from <see cref="SvdRecipe.Defaults"/> (resolved against the pack by <see cref="ForPack"/>), so
/// the page's defaults are the API's and the CLI's.
/// </summary>
public sealed class CreateForm
{
    private static readonly SvdRecipe Defaults = SvdRecipe.Defaults;

    public string? Model { get; set; }

    public string SizePreset { get; set; } = "1024x576";

    public int Height { get; set; } = ModelPack.DiffusersDefaultHeight;

    public int Width { get; set; } = ModelPack.DiffusersDefaultWidth;

    public FitMode Fit { get; set; } = Defaults.Fit;

    /// <summary>SVD's num_frames until a pack is chosen (<see cref="ForPack"/> sets the pack's).</summary>
    public int NumFrames { get; set; } = 14;

    public int NumInferenceSteps { get; set; } = Defaults.NumInferenceSteps;

    public float MinGuidanceScale { get; set; } = Defaults.MinGuidanceScale;

    public float MaxGuidanceScale { get; set; } = Defaults.MaxGuidanceScale;

    public int Fps { get; set; } = Defaults.Fps;

    public int MotionBucketId { get; set; } = Defaults.MotionBucketId;

    public float NoiseAugStrength { get; set; } = Defaults.NoiseAugStrength;

    /// <summary>Empty means the recipe's default, every frame at once (<see cref="SvdRecipe.DefaultDecodeChunkSize"/>):
    /// it follows the frames asked for, as the API and the CLI do, instead of keeping the pack's frame count.</summary>
    public int? DecodeChunkSize { get; set; } = Defaults.DecodeChunkSize;

    public int NumVideosPerPrompt { get; set; } = Defaults.NumVideosPerPrompt;

    public long Seed { get; set; }

    /// <summary>Locked: every Generate uses <see cref="Seed"/>. Unlocked: a fresh seed is drawn per Generate.</summary>
    public bool SeedLocked { get; set; }

    public HalfRandnMode HalfRandn { get; set; } = Defaults.HalfRandn;

    /// <summary>The decode chunk the recipe will run with: the one typed, else the default for the frames.</summary>
    public int EffectiveDecodeChunkSize => DecodeChunkSize ?? SvdRecipe.DefaultDecodeChunkSize(NumFrames);

    /// <summary>Every default for <paramref name="pack"/>: its size and frames; the decode chunk left to follow the frames.</summary>
    public static CreateForm ForPack(ModelPack? pack)
    {
        var form = new CreateForm { Model = pack?.Name };
        if (pack is null) return form;
        var resolved = Defaults.Resolve(pack);
        (form.Width, form.Height, form.NumFrames) = (resolved.Width, resolved.Height, resolved.NumFrames);
        form.SizePreset = Presets.FirstOrDefault(p => p.Width == form.Width && p.Height == form.Height).Key ?? "custom";
        return form;
    }

    /// <summary>How the job runs, not what it makes, so not in <see cref="ToRecipe"/> (see Job.LowMemory).</summary>
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
        DecodeChunkSize = recipe.DecodeChunkSize;
        NumVideosPerPrompt = recipe.NumVideosPerPrompt;
        Seed = recipe.Seed;
        SeedLocked = true;
        Fit = recipe.Fit;
        HalfRandn = recipe.HalfRandn;
    }
}
