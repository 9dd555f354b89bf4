using System.Globalization;

namespace SvdWeb.Inference.Sweeps;

/// <summary>
/// A recipe setting a sweep may vary: its API name (camelCase, as in <see cref="SvdRecipe"/>'s JSON), the short label
/// burnt into the grid video, and how a typed value is read and applied. Size, frames and the decode chunk are not
/// among them: every cell of a grid must have the same frames, and those change the frames' shape or memory.
/// </summary>
public sealed class SweepParameter
{
    private readonly Func<SvdRecipe, double, SvdRecipe> _apply;

    private SweepParameter(string name, string label, bool whole, Func<SvdRecipe, double, SvdRecipe> apply, Func<SvdRecipe, double> read)
    {
        Name = name;
        Label = label;
        IsWhole = whole;
        _apply = apply;
        Read = read;
    }

    /// <summary>The recipe field's name in the API and recipe JSON, e.g. "motionBucketId".</summary>
    public string Name { get; }

    /// <summary>A few letters for a cell's label, e.g. "motion".</summary>
    public string Label { get; }

    /// <summary>Whole numbers only (steps, fps, motion, seed); otherwise any decimal.</summary>
    public bool IsWhole { get; }

    /// <summary>The value the recipe has for this setting.</summary>
    public Func<SvdRecipe, double> Read { get; }

    public SvdRecipe Apply(SvdRecipe recipe, double value) => _apply(recipe, value);

    public static IReadOnlyList<SweepParameter> All { get; } =
    [
        new("motionBucketId", "motion", true, (r, v) => r with { MotionBucketId = (int)v }, r => r.MotionBucketId),
        new("noiseAugStrength", "noise", false, (r, v) => r with { NoiseAugStrength = (float)v }, r => r.NoiseAugStrength),
        new("fps", "fps", true, (r, v) => r with { Fps = (int)v }, r => r.Fps),
        new("seed", "seed", true, (r, v) => r with { Seed = (long)v }, r => r.Seed),
        new("numInferenceSteps", "steps", true, (r, v) => r with { NumInferenceSteps = (int)v }, r => r.NumInferenceSteps),
        new("minGuidanceScale", "min cfg", false, (r, v) => r with { MinGuidanceScale = (float)v }, r => r.MinGuidanceScale),
        new("maxGuidanceScale", "max cfg", false, (r, v) => r with { MaxGuidanceScale = (float)v }, r => r.MaxGuidanceScale),
    ];

    /// <summary>The names a request may use, for messages.</summary>
    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>
    /// The parameter a name means: the API's camelCase, the CLI's kebab case or diffusers' snake case
    /// (motionBucketId, motion-bucket-id, motion_bucket_id), in any letter case; null for any other name.
    /// </summary>
    public static SweepParameter? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var plain = new string([.. name.Where(c => c is not ('_' or '-'))]);
        return All.FirstOrDefault(p => string.Equals(p.Name, plain, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A value as it is shown and stored: invariant, shortest round-trip form ("0.02", "127").</summary>
    public string Format(double value) => IsWhole ? ((long)value).ToString(CultureInfo.InvariantCulture) : ((float)value).ToString(CultureInfo.InvariantCulture);
}
