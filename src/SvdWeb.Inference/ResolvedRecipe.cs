using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference;

/// <summary>
/// A recipe with every pack default filled in and every parameter checked against that pack: what the pipeline runs,
/// the gallery stores and a regenerate replays. It is made in one place, <see cref="SvdRecipe.Resolve"/>, whatever the
/// recipe came from (the Create form, the REST API's JSON, the CLI's options, a stored row turned back into a request),
/// so nothing downstream fills a default, handles a missing value or checks a range again. EF Core reads stored rows
/// back through the private constructor; they were resolved this way when they were stored.
/// </summary>
/// <remarks>The pack is not part of it: the caller picks the pack, and the pipeline already holds it.</remarks>
public sealed record ResolvedRecipe
{
    private ResolvedRecipe()
    {
    }

    /// <inheritdoc cref="SvdRecipe.Height"/>
    public int Height { get; private init; }

    /// <inheritdoc cref="SvdRecipe.Width"/>
    public int Width { get; private init; }

    /// <inheritdoc cref="SvdRecipe.NumFrames"/>
    public int NumFrames { get; private init; }

    /// <inheritdoc cref="SvdRecipe.NumInferenceSteps"/>
    public int NumInferenceSteps { get; private init; }

    /// <inheritdoc cref="SvdRecipe.MinGuidanceScale"/>
    public float MinGuidanceScale { get; private init; }

    /// <inheritdoc cref="SvdRecipe.MaxGuidanceScale"/>
    public float MaxGuidanceScale { get; private init; }

    /// <inheritdoc cref="SvdRecipe.Fps"/>
    public int Fps { get; private init; }

    /// <inheritdoc cref="SvdRecipe.MotionBucketId"/>
    public int MotionBucketId { get; private init; }

    /// <inheritdoc cref="SvdRecipe.NoiseAugStrength"/>
    public float NoiseAugStrength { get; private init; }

    /// <inheritdoc cref="SvdRecipe.DecodeChunkSize"/>
    public int DecodeChunkSize { get; private init; }

    /// <inheritdoc cref="SvdRecipe.NumVideosPerPrompt"/>
    public int NumVideosPerPrompt { get; private init; }

    /// <inheritdoc cref="SvdRecipe.Seed"/>
    public long Seed { get; private init; }

    /// <inheritdoc cref="SvdRecipe.Fit"/>
    public FitMode Fit { get; private init; }

    /// <inheritdoc cref="SvdRecipe.HalfRandn"/>
    public HalfRandnMode HalfRandn { get; private init; }

    /// <summary>Classifier-free guidance runs when the last frame's scale is above 1 (diffusers' do_classifier_free_guidance).</summary>
    public bool Guidance => MaxGuidanceScale > 1f;

    /// <summary>VAE decoder calls for the whole run: every video's frames, <see cref="DecodeChunkSize"/> at a time.</summary>
    public int DecodeChunks => (NumVideosPerPrompt * NumFrames + DecodeChunkSize - 1) / DecodeChunkSize;

    /// <summary>
    /// <paramref name="recipe"/> with the pack's defaults filled in, not yet checked: only <see cref="SvdRecipe.Resolve"/>
    /// and <see cref="SvdParameterLimits"/> see one before the check.
    /// </summary>
    internal static ResolvedRecipe Fill(SvdRecipe recipe, ModelPack pack)
    {
        var frames = recipe.NumFrames ?? pack.DefaultFrames;
        return new()
        {
            Height = recipe.Height ?? pack.DefaultHeight,
            Width = recipe.Width ?? pack.DefaultWidth,
            NumFrames = frames,
            NumInferenceSteps = recipe.NumInferenceSteps,
            MinGuidanceScale = recipe.MinGuidanceScale,
            MaxGuidanceScale = recipe.MaxGuidanceScale,
            Fps = recipe.Fps,
            MotionBucketId = recipe.MotionBucketId,
            NoiseAugStrength = recipe.NoiseAugStrength,
            DecodeChunkSize = recipe.DecodeChunkSize ?? SvdRecipe.DefaultDecodeChunkSize(frames),
            NumVideosPerPrompt = recipe.NumVideosPerPrompt,
            Seed = recipe.Seed,
            Fit = recipe.Fit,
            HalfRandn = recipe.HalfRandn,
        };
    }

    /// <summary>
    /// The request that resolves to this recipe again, every field set: what the REST API returns, the files carry and
    /// Remix or a changed regenerate start from.
    /// </summary>
    /// <param name="model">The pack's name, written as the request's <c>model</c>.</param>
    public SvdRecipe ToRequest(string? model) => new()
    {
        Model = model,
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
}
