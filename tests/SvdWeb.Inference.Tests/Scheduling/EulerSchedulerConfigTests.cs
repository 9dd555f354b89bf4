using System.Text.Json.Nodes;
using SvdWeb.Inference.Scheduling;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Scheduling;

public sealed class EulerSchedulerConfigTests
{
    private static string TinyPackConfigPath => Fixtures.File("tiny-svd/scheduler/scheduler_config.json");

    [Fact]
    public void Load_TinyPack_ReadsTheSvdXtValues()
    {
        var config = EulerSchedulerConfig.Load(TinyPackConfigPath);

        var expected = new EulerSchedulerConfig(
            NumTrainTimesteps: 1000, BetaStart: 0.00085, BetaEnd: 0.012, BetaSchedule: "scaled_linear", TrainedBetas: null,
            PredictionType: "v_prediction", InterpolationType: "linear", UseKarrasSigmas: true,
            UseExponentialSigmas: false, UseBetaSigmas: false, SigmaMin: 0.002, SigmaMax: 700.0,
            TimestepSpacing: "leading", TimestepType: "continuous", StepsOffset: 1, RescaleBetasZeroSnr: false,
            FinalSigmasType: "zero") { SourcePath = TinyPackConfigPath };
        Assert.Equal(expected, config);
    }

    [Fact]
    public void Load_TinyPack_BuildsScheduler()
    {
        var scheduler = new EulerDiscreteScheduler(EulerSchedulerConfig.Load(TinyPackConfigPath));

        scheduler.SetTimesteps(25);

        Assert.Equal(25, scheduler.NumInferenceSteps);
    }

    [Fact]
    public void Parse_EmptyObject_TakesDiffusersDefaults() =>
        Assert.Equal(new EulerSchedulerConfig() { SourcePath = "x.json" }, EulerSchedulerConfig.Parse("{}", "x.json"));

    [Fact]
    public void Load_MissingFile_NamesPathAndFix()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "scheduler_config.json");

        var ex = Assert.Throws<ModelPackException>(() => EulerSchedulerConfig.Load(path));

        Assert.Contains("scheduler_config.json is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("scheduler/scheduler_config.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedJson_NamesFileAndFix()
    {
        var ex = Assert.Throws<ModelPackException>(() =>
            EulerSchedulerConfig.Parse("{ \"prediction_type\": \"v_prediction\", ", "/pack/scheduler/scheduler_config.json"));

        Assert.Equal("/pack/scheduler/scheduler_config.json", ex.PackFolder);
        Assert.Contains("scheduler_config.json is not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Restore the file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_JsonArray_SaysItIsNotAnObject()
    {
        var ex = Assert.Throws<ModelPackException>(() => EulerSchedulerConfig.Parse("[1, 2]", "scheduler_config.json"));

        Assert.Contains("holds a JSON array, not an object", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongTypes_ListsEveryKeyWithValueAndExpectedType()
    {
        var json = """{ "use_karras_sigmas": "yes", "num_train_timesteps": 1000.5, "sigma_max": "700", "prediction_type": 3 }""";

        var ex = Assert.Throws<ModelPackException>(() => EulerSchedulerConfig.Parse(json, "scheduler_config.json"));

        Assert.Equal(4, ex.Problems.Count);
        Assert.Contains(ex.Problems, p => p.Contains("'use_karras_sigmas' is \"yes\"", StringComparison.Ordinal) && p.Contains("true or false", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'num_train_timesteps' is 1000.5", StringComparison.Ordinal) && p.Contains("an integer", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'sigma_max' is \"700\"", StringComparison.Ordinal) && p.Contains("a finite number or null", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Contains("'prediction_type' is 3", StringComparison.Ordinal) && p.Contains("a string", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_OtherSchedulerClass_NamesClassAndSupportedOne()
    {
        var ex = Assert.Throws<ModelPackException>(() =>
            EulerSchedulerConfig.Parse("""{ "_class_name": "DDIMScheduler" }""", "scheduler_config.json"));

        Assert.Contains("'_class_name' is \"DDIMScheduler\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"EulerDiscreteScheduler\"", ex.Message, StringComparison.Ordinal);
    }

    // One SVD config with a single key changed; the constructor must name the key, the value and what is supported.
    [Theory]
    [InlineData("prediction_type", "\"sample\"", "\"v_prediction\" and \"epsilon\"")]
    [InlineData("use_karras_sigmas", "false", "only Karras sigmas")]
    [InlineData("use_exponential_sigmas", "true", "exponential sigmas are not implemented")]
    [InlineData("use_beta_sigmas", "true", "beta sigmas are not implemented")]
    [InlineData("interpolation_type", "\"log_linear\"", "only \"linear\"")]
    [InlineData("final_sigmas_type", "\"sigma_min\"", "only \"zero\"")]
    [InlineData("rescale_betas_zero_snr", "true", "zero-terminal-SNR")]
    [InlineData("timestep_spacing", "\"sideways\"", "\"linspace\", \"leading\" or \"trailing\"")]
    [InlineData("timestep_type", "\"fractional\"", "\"continuous\" and \"discrete\"")]
    [InlineData("sigma_min", "null", "explicit sigma_min and sigma_max")]
    [InlineData("sigma_max", "1e-3", "0 < sigma_min < sigma_max")]
    [InlineData("trained_betas", "[0.1, 0.2]", "explicit training betas")]
    [InlineData("beta_schedule", "\"squaredcos_cap_v2\"", "\"linear\" and \"scaled_linear\"")]
    public void Constructor_UnsupportedValue_NamesKeyValueSupportedAndFix(string key, string jsonValue, string supported)
    {
        var json = JsonNode.Parse(File.ReadAllText(TinyPackConfigPath))!.AsObject();
        json[key] = JsonNode.Parse(jsonValue);
        var config = EulerSchedulerConfig.Parse(json.ToJsonString(), TinyPackConfigPath);

        var ex = Assert.Throws<ModelPackException>(() => new EulerDiscreteScheduler(config));

        var problem = Assert.Single(ex.Problems);
        var keyNamed = key == "sigma_max" ? "'sigma_min'" : $"'{key}'";   // the range problem is reported on sigma_min
        Assert.Contains($"scheduler_config.json: key {keyNamed}", problem, StringComparison.Ordinal);
        Assert.Contains(supported, problem, StringComparison.Ordinal);
        Assert.Contains("SVD checkpoints use", problem, StringComparison.Ordinal);
        Assert.Equal(TinyPackConfigPath, ex.PackFolder);
    }

    [Fact]
    public void Constructor_SeveralUnsupportedValues_ListsEachOnce()
    {
        var config = new EulerSchedulerConfig(PredictionType: "sample", InterpolationType: "log_linear");   // defaults: no Karras

        var ex = Assert.Throws<ModelPackException>(() => new EulerDiscreteScheduler(config));

        Assert.Equal(3, ex.Problems.Count);   // prediction_type, use_karras_sigmas, interpolation_type
        Assert.Contains("(scheduler config built in code)", ex.Message, StringComparison.Ordinal);
    }
}
