using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference;

/// <summary>
/// Every setting that shapes a video, named as in diffusers' <c>StableVideoDiffusionPipeline.__call__</c> (camelCase in
/// JSON, as the CLI and REST API spell them), as a request gives it: null means "the pack's default". <see cref="Resolve"/>
/// fills those in and checks every range, giving the <see cref="ResolvedRecipe"/> that is run and stored; it reproduces
/// the video exactly on the same pack and execution provider.
/// </summary>
public sealed record SvdRecipe
{
    /// <summary>Model pack name (informational; the caller picks the pack).</summary>
    public string? Model { get; init; }

    /// <summary>Output height in pixels, a multiple of 8 (and of the UNet's down-sampling factor). Defaults to the pack's (576).</summary>
    public int? Height { get; init; }

    /// <summary>Output width in pixels. Defaults to the pack's (1024).</summary>
    public int? Width { get; init; }

    /// <summary>Frames per video. Defaults to the UNet's num_frames (14 for SVD, 25 for SVD-XT).</summary>
    public int? NumFrames { get; init; }

    /// <summary>Denoising steps. Defaults to 25.</summary>
    public int NumInferenceSteps { get; init; } = 25;

    /// <summary>Guidance scale of the first frame. Defaults to 1.0.</summary>
    public float MinGuidanceScale { get; init; } = 1.0f;

    /// <summary>Guidance scale of the last frame; classifier-free guidance is on when it is above 1. Defaults to 3.0.</summary>
    public float MaxGuidanceScale { get; init; } = 3.0f;

    /// <summary>Frames per second. The model is conditioned on fps − 1 (as SVD was trained); the video plays at fps. Defaults to 7.</summary>
    public int Fps { get; init; } = 7;

    /// <summary>How much motion to ask for: higher means more movement. Trained on 0–255. Defaults to 127.</summary>
    public int MotionBucketId { get; init; } = 127;

    /// <summary>Noise added to the input image before encoding: more lets the video stray further from it. Defaults to 0.02.</summary>
    public float NoiseAugStrength { get; init; } = 0.02f;

    /// <summary>Frames decoded per VAE call: smaller needs less memory but changes the video (the decoder mixes frames
    /// within a chunk). Defaults to all frames at once.</summary>
    public int? DecodeChunkSize { get; init; }

    /// <summary>Videos made from the one image. Defaults to 1.</summary>
    public int NumVideosPerPrompt { get; init; } = 1;

    /// <summary>torch.manual_seed value. Only the low 32 bits reach torch's generator, as in torch.</summary>
    public long Seed { get; init; }

    /// <summary>How the image is brought to the output aspect ratio. Defaults to stretch (diffusers' behaviour).</summary>
    public FitMode Fit { get; init; } = FitMode.Stretch;

    /// <summary>For float16 packs only: which torch half-precision randn to reproduce. Defaults to legacy (torch ≤ 2.11).</summary>
    public HalfRandnMode HalfRandn { get; init; } = HalfRandnMode.Legacy;

    /// <summary>
    /// A recipe that sets nothing: every default, and the only place they are written. The Create form, the REST API
    /// and the CLI start from it, and <see cref="Resolve"/> fills the pack-dependent ones, so a setting left alone
    /// means the same in all three (the decode chunk follows the frames asked for, not the pack's).
    /// </summary>
    public static SvdRecipe Defaults { get; } = new();

    /// <summary>
    /// A fresh seed in [0, 2³²) from the OS's random source, for a request that names none (the Create page unlocked,
    /// the API without one, the CLI without --seed): only the low 32 bits reach torch's generator, so a larger seed
    /// would only alias a smaller one.
    /// </summary>
    public static long RandomSeed() => RandomNumberGenerator.GetInt32(int.MaxValue) * 2L + RandomNumberGenerator.GetInt32(2);

    /// <summary>The decode chunk when none is given: every frame at once (diffusers: decode_chunk_size = num_frames).</summary>
    public static int DefaultDecodeChunkSize(int numFrames) => numFrames;

    /// <summary>
    /// The one way to a <see cref="ResolvedRecipe"/>: fills the pack-dependent defaults (size, frames, decode chunk)
    /// and checks every parameter against <paramref name="pack"/> (<see cref="SvdParameterLimits"/>).
    /// </summary>
    /// <exception cref="SvdInputException">The first parameter out of range, naming it, the value, the range and the fix.</exception>
    public ResolvedRecipe Resolve(ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var filled = ResolvedRecipe.Fill(this, pack);
        if (SvdParameterLimits.Problems(filled, pack).FirstOrDefault() is { } problem) throw problem;
        return filled;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static SvdRecipe FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SvdRecipe>(json, JsonOptions)
                ?? throw new SvdInputException("recipe", "The recipe is empty (JSON null). Give an object such as {\"seed\": 42}.");
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "recipe";
            throw new SvdInputException(field, $"The recipe is not valid JSON for SvdWeb: {Explain(ex, field)}", ex);
        }
    }

    /// <summary>What was wrong, in the recipe's own terms: System.Text.Json's messages name .NET types.</summary>
    private static string Explain(JsonException ex, string field)
    {
        var properties = typeof(SvdRecipe).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance);
        var converting = ex.Message.Contains("could not be converted", StringComparison.Ordinal);
        var property = properties.FirstOrDefault(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name) == field);
        if (converting && property is not null) return $"'{field}' must be {KindOf(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)}.";
        var fields = string.Join(", ", properties.Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)));
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var name = ex.Message.Split('\'') is { Length: > 2 } parts ? parts[1] : "?";
            return $"'{name}' is not a recipe field. The fields are {fields} (the CLI's options in camelCase).";
        }
        if (field == "recipe" && converting)
            return $"the recipe must be a JSON object such as {{\"seed\": 42}} with the fields {fields}.";
        // Syntax errors: the reader's message says where, and names no type.
        return ex.Message.Split(" Path:")[0];
    }

    private static string KindOf(Type type) =>
        type == typeof(int) ? $"a whole number (at most {int.MaxValue})"
        : type == typeof(long) ? $"a whole number (at most {long.MaxValue})"
        : type == typeof(float) || type == typeof(double) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName))}"
        : "a string";

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // Names only: a number would pass values no enum member has ({"fit": 7}) on to the pipeline.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };
}
