using System.Globalization;
using SvdWeb.Inference.Models;

namespace SvdWeb.Inference;

/// <summary>
/// The allowed range of every recipe parameter, shared by the pipeline, the CLI, the REST API and the Create form so
/// they can never disagree. diffusers' own checks (sizes multiple of 8, min ≤ max guidance) plus bounds that keep one
/// request from monopolising a shared server.
/// </summary>
public static class SvdParameterLimits
{
    public const int MinSide = 64, MaxSide = 2048;
    public const int MinFrames = 1, MaxFrames = 128;
    public const int MinSteps = 1, MaxSteps = 200;
    public const float MinGuidance = 0f, MaxGuidance = 50f;
    public const int MinFps = 1, MaxFps = 120;
    public const int MinMotionBucketId = 0, MaxMotionBucketId = 1023;
    public const float MinNoiseAugStrength = 0f, MaxNoiseAugStrength = 1f;
    public const int MinDecodeChunkSize = 1, MaxDecodeChunkSize = 1024;
    public const int MinVideosPerPrompt = 1, MaxVideosPerPrompt = 8;

    /// <summary>
    /// Side lengths must be multiples of this: 8 (diffusers' check) times the UNet's down-sampling (2 per level after
    /// the first), because the exported UNet cannot pad odd latent sizes: 64 for SVD, 16 for the tiny pack.
    /// </summary>
    public static int SideMultiple(ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return 8 * (1 << Math.Max(0, pack.UNet.BlockOutChannels.Count - 1));
    }

    /// <summary>
    /// Every parameter of <paramref name="recipe"/> out of range once the pack's defaults are filled in, in the order
    /// <see cref="SvdRecipe.Resolve"/> checks them (it throws the first), each with the message it would throw: the
    /// Create form shows them all at once, beside their fields.
    /// </summary>
    public static IReadOnlyList<SvdInputException> Problems(SvdRecipe recipe, ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(pack);
        return Problems(ResolvedRecipe.Fill(recipe, pack), pack);
    }

    internal static IReadOnlyList<SvdInputException> Problems(ResolvedRecipe recipe, ModelPack pack)
    {
        var multiple = SideMultiple(pack);
        var frames = CheckRange("numFrames", recipe.NumFrames, MinFrames, MaxFrames, $"the pack was trained on {pack.DefaultFrames}");
        SvdInputException?[] problems =
        [
            CheckSide("height", recipe.Height, multiple, pack),
            CheckSide("width", recipe.Width, multiple, pack),
            frames,
            CheckRange("numInferenceSteps", recipe.NumInferenceSteps, MinSteps, MaxSteps, "25 is diffusers' default"),
            CheckRange("minGuidanceScale", recipe.MinGuidanceScale, MinGuidance, MaxGuidance)
                ?? (recipe.MinGuidanceScale > recipe.MaxGuidanceScale
                    ? new SvdInputException("minGuidanceScale", Invariant(
                        $"minGuidanceScale ({recipe.MinGuidanceScale}) is above maxGuidanceScale ({recipe.MaxGuidanceScale}). The scale ramps from the first frame's minimum to the last frame's maximum; make min ≤ max."))
                    : null),
            CheckRange("maxGuidanceScale", recipe.MaxGuidanceScale, MinGuidance, MaxGuidance),
            CheckRange("fps", recipe.Fps, MinFps, MaxFps, "the model is conditioned on fps − 1; SVD was trained around 7"),
            CheckRange("motionBucketId", recipe.MotionBucketId, MinMotionBucketId, MaxMotionBucketId, "SVD was trained on 0–255"),
            CheckRange("noiseAugStrength", recipe.NoiseAugStrength, MinNoiseAugStrength, MaxNoiseAugStrength, "0.02 is the default"),
            // A chunk left to follow the frames (every frame at once) is no second problem when the frames are out of range.
            frames is not null && recipe.DecodeChunkSize == recipe.NumFrames ? null
                : CheckRange("decodeChunkSize", recipe.DecodeChunkSize, MinDecodeChunkSize, MaxDecodeChunkSize, "smaller uses less memory"),
            CheckRange("numVideosPerPrompt", recipe.NumVideosPerPrompt, MinVideosPerPrompt, MaxVideosPerPrompt),
            Enum.IsDefined(recipe.Fit) ? null : new SvdInputException("fit", Invariant($"fit '{recipe.Fit}' is not one of stretch, crop, pad.")),
            Enum.IsDefined(recipe.HalfRandn) ? null : new SvdInputException("halfRandn", Invariant($"halfRandn '{recipe.HalfRandn}' is not one of legacy, new.")),
        ];
        return [.. problems.OfType<SvdInputException>()];
    }

    private static SvdInputException? CheckSide(string field, int value, int multiple, ModelPack pack)
    {
        if (CheckRange(field, value, MinSide, MaxSide) is { } outOfRange) return outOfRange;
        if (value % multiple == 0) return null;
        var lower = Math.Max(multiple, value / multiple * multiple);
        return new SvdInputException(field, Invariant(
            $"{field} must be a multiple of {multiple} for pack '{pack.Name}' (8 for the VAE × {multiple / 8} for the UNet's down-sampling), but is {value}. Use {lower} or {lower + multiple}."));
    }

    private static SvdInputException? CheckRange(string field, double value, double min, double max, string? hint = null)
    {
        if (value >= min && value <= max) return null;
        var why = hint is null ? "" : $" ({hint})";
        return new SvdInputException(field, Invariant($"{field} must be between {min} and {max}{why}, but is {value}."));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
