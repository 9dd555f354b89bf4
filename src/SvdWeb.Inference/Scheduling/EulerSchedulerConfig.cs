using System.Globalization;
using System.Text.Json;

namespace SvdWeb.Inference.Scheduling;

/// <summary>
/// The keys of a pack's <c>scheduler/scheduler_config.json</c> that diffusers' <c>EulerDiscreteScheduler.__init__</c>
/// reads (diffusers/schedulers/scheduling_euler_discrete.py), with diffusers' defaults for keys the file leaves out.
/// Keys diffusers ignores for this class (<c>clip_sample</c>, <c>set_alpha_to_one</c>, <c>skip_prk_steps</c>,
/// <c>_diffusers_version</c>) are ignored here too. Which values are supported is the scheduler's call:
/// <see cref="EulerDiscreteScheduler"/>'s constructor rejects the rest.
/// </summary>
public sealed record EulerSchedulerConfig(
    int NumTrainTimesteps = 1000,
    double BetaStart = 0.0001,
    double BetaEnd = 0.02,
    string BetaSchedule = "linear",
    IReadOnlyList<double>? TrainedBetas = null,
    string PredictionType = "epsilon",
    string InterpolationType = "linear",
    bool UseKarrasSigmas = false,
    bool UseExponentialSigmas = false,
    bool UseBetaSigmas = false,
    double? SigmaMin = null,
    double? SigmaMax = null,
    string TimestepSpacing = "linspace",
    string TimestepType = "discrete",
    int StepsOffset = 0,
    bool RescaleBetasZeroSnr = false,
    string FinalSigmasType = "zero")
{
    /// <summary>The diffusers class name a scheduler config must carry in <c>_class_name</c> (when it has one).</summary>
    public const string ClassName = "EulerDiscreteScheduler";

    /// <summary>The file this config was read from; error messages name it. Null for a config built in code.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Reads and parses a scheduler_config.json.</summary>
    /// <exception cref="ModelPackException">The file is missing, unreadable, not JSON, or a key has the wrong type.</exception>
    public static EulerSchedulerConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelPackException(path,
                $"{Path.GetFileName(path)} is missing (looked for {Path.GetFullPath(path)}). A model pack needs the " +
                "diffusers scheduler config at scheduler/scheduler_config.json; copy it from the checkpoint the pack " +
                "was exported from.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelPackException(path,
                $"{Path.GetFileName(path)} cannot be read ({ex.Message}). A model pack needs the diffusers scheduler " +
                "config at scheduler/scheduler_config.json; copy it from the checkpoint the pack was exported from.", ex);
        }
        return Parse(json, path);
    }

    /// <summary>Parses the text of a scheduler_config.json; <paramref name="sourcePath"/> is named in errors.</summary>
    /// <exception cref="ModelPackException">The text is not a JSON object, or a key has the wrong type.</exception>
    public static EulerSchedulerConfig Parse(string json, string sourcePath)
    {
        ArgumentNullException.ThrowIfNull(json);
        var file = Path.GetFileName(sourcePath);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ModelPackException(sourcePath,
                $"{file} is not valid JSON ({ex.Message}). Restore the file from the diffusers checkpoint " +
                "(scheduler/scheduler_config.json).", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelPackException(sourcePath,
                    $"{file} holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object of scheduler " +
                    "settings. Restore the file from the diffusers checkpoint (scheduler/scheduler_config.json).");
            }

            var reader = new KeyReader(root, file);
            var className = reader.String("_class_name", ClassName);
            if (className != ClassName)
            {
                reader.Problems.Add(
                    $"{file}: key '_class_name' is \"{className}\", but this pipeline implements only " +
                    $"\"{ClassName}\" (what SVD checkpoints ship). Use the scheduler config of an SVD checkpoint.");
            }

            var defaults = new EulerSchedulerConfig();
            var config = new EulerSchedulerConfig(
                reader.Int("num_train_timesteps", defaults.NumTrainTimesteps),
                reader.Double("beta_start", defaults.BetaStart),
                reader.Double("beta_end", defaults.BetaEnd),
                reader.String("beta_schedule", defaults.BetaSchedule),
                reader.DoubleArrayOrNull("trained_betas"),
                reader.String("prediction_type", defaults.PredictionType),
                reader.String("interpolation_type", defaults.InterpolationType),
                reader.Bool("use_karras_sigmas", defaults.UseKarrasSigmas),
                reader.Bool("use_exponential_sigmas", defaults.UseExponentialSigmas),
                reader.Bool("use_beta_sigmas", defaults.UseBetaSigmas),
                reader.DoubleOrNull("sigma_min"),
                reader.DoubleOrNull("sigma_max"),
                reader.String("timestep_spacing", defaults.TimestepSpacing),
                reader.String("timestep_type", defaults.TimestepType),
                reader.Int("steps_offset", defaults.StepsOffset),
                reader.Bool("rescale_betas_zero_snr", defaults.RescaleBetasZeroSnr),
                reader.String("final_sigmas_type", defaults.FinalSigmasType))
            {
                SourcePath = sourcePath,
            };
            if (reader.Problems.Count > 0)
                throw new ModelPackException(sourcePath, reader.Problems);
            return config;
        }
    }

    /// <summary>
    /// Reads typed values, collecting every problem so one exception lists them all. A missing key or a JSON null
    /// takes diffusers' default (its <c>__init__</c> signature), as <c>from_config</c> does.
    /// </summary>
    private sealed class KeyReader(JsonElement root, string file)
    {
        private const string Fix = "Restore the value from the diffusers checkpoint's scheduler/scheduler_config.json.";

        public List<string> Problems { get; } = [];

        public string String(string key, string fallback)
        {
            if (!TryGet(key, out var value))
                return fallback;
            if (value.ValueKind == JsonValueKind.String)
                return value.GetString()!;
            return WrongType(key, value, "a string", fallback);
        }

        public bool Bool(string key, bool fallback)
        {
            if (!TryGet(key, out var value))
                return fallback;
            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => WrongType(key, value, "true or false", fallback),
            };
        }

        public int Int(string key, int fallback)
        {
            if (!TryGet(key, out var value))
                return fallback;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
                return number;
            return WrongType(key, value, "an integer", fallback);
        }

        public double Double(string key, double fallback) => DoubleOrNull(key) ?? fallback;

        public double? DoubleOrNull(string key)
        {
            if (!TryGet(key, out var value))
                return null;
            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
                return number;
            return WrongType<double?>(key, value, "a finite number or null", null);
        }

        public IReadOnlyList<double>? DoubleArrayOrNull(string key)
        {
            if (!TryGet(key, out var value))
                return null;
            if (value.ValueKind == JsonValueKind.Array &&
                value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
            {
                return value.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            }
            return WrongType<IReadOnlyList<double>?>(key, value, "an array of numbers or null", null);
        }

        private bool TryGet(string key, out JsonElement value) =>
            root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

        private T WrongType<T>(string key, JsonElement value, string expected, T fallback)
        {
            var text = value.GetRawText();
            if (text.Length > 60)
                text = text[..60] + "…";
            Problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{file}: key '{key}' is {text} (JSON {value.ValueKind.ToString().ToLowerInvariant()}), but it must be {expected}. {Fix}"));
            return fallback;
        }
    }
}
