using SvdWeb.Inference.Models;
using SvdWeb.Inference.Tests.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Models;

/// <summary>
/// svdweb.json's "io" (<see cref="PackIo"/>) as validation reads it: every mistake is one problem naming the key, what
/// was found and the fix, and the graph checks then look up the mapped names. (The TensorRT-style UNet that needs a
/// mapping, and its run, are in Pipeline/TensorRtUNetPackTests.)
/// </summary>
public sealed class PackIoTests
{
    /// <summary>The tiny pack's svdweb.json with <paramref name="io"/> as its "io".</summary>
    private static string WithIo(string io) => """{"default_height": 64, "default_width": 128, "io": """ + io + "}";

    [Fact]
    public void Load_NoIoKey_UsesTheContractsNamesAndATimestepPerRow()
    {
        using var copy = new TempPackCopy();
        copy.Delete("svdweb.json");

        var withSettings = ModelPack.Load(Fixtures.TinyPack);
        var withoutSettings = ModelPack.Load(copy.Folder);

        Assert.Same(PackIo.Default, withSettings.Io);
        Assert.Same(PackIo.Default, withoutSettings.Io);
        Assert.Equal(TimestepShape.Batch, withSettings.Io.UNetTimestepShape);
        Assert.Equal("out_sample", withSettings.Io.For(PackComponent.UNet).Output("out_sample"));
        Assert.Equal("pixel_values", withSettings.Io.For(PackComponent.ImageEncoder).Input("pixel_values"));
    }

    [Fact]
    public void Load_TimestepOneOnADynamicTimestep_IsValid()
    {
        // The tiny UNet declares timestep [B]: a dynamic axis takes [1] as well, so "one" is accepted.
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", WithIo("""{"unet": {"timestep_shape": "one"}}"""));

        var pack = ModelPack.Load(copy.Folder);

        Assert.Equal(TimestepShape.One, pack.Io.UNetTimestepShape);
        Assert.Equal("out_sample", pack.Io.For(PackComponent.UNet).Output("out_sample"));
    }

    [Fact]
    public void Validate_IoMapsNamesTheGraphsLack_NamesTheContractAndTheGraphName()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", WithIo("""
            {"unet": {"outputs": {"out_sample": "latent"}}, "vae_decoder": {"inputs": {"latent_sample": "z"}}}
            """));

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(3, problems.Count);
        var output = Assert.Single(problems, p => p.StartsWith(
            "unet/model.onnx has no output 'latent' (mapped from out_sample in svdweb.json) (its outputs: out_sample)", StringComparison.Ordinal));
        Assert.Contains("Fix svdweb.json io.unet.outputs.out_sample to the graph's name for it (unused there: out_sample)", output, StringComparison.Ordinal);
        Assert.Contains(problems, p => p.StartsWith(
            "vae_decoder/model.onnx has no input 'z' (mapped from latent_sample in svdweb.json) (its inputs: latent_sample)", StringComparison.Ordinal));
        // The graph's own name is then an input the pipeline does not feed.
        Assert.Contains(problems, p => p.StartsWith(
            "vae_decoder/model.onnx has an input 'latent_sample' [N,4,h,w] that the pipeline does not feed (it feeds z)", StringComparison.Ordinal));
    }

    /// <summary>
    /// One mistake in "io", one problem: it starts by naming the key and what was found, and goes on to the fix.
    /// </summary>
    [Theory]
    // A timestep shape that is neither value; each io problem ends with an example of the whole mapping.
    [InlineData("""{"unet": {"timestep_shape": "single"}}""",
        "svdweb.json: key 'io.unet.timestep_shape' is \"single\" (JSON string), but it must be \"batch\" (timestep [B]",
        "or \"one\" (timestep [1], one value for the whole batch, as the TensorRT repo's export takes it)", "(README, 'Using real weights').")]
    [InlineData("""{"vae_decoder": {"timestep_shape": "one"}}""",
        "svdweb.json: key 'io.vae_decoder.timestep_shape' is set, but only the unet takes a timestep; move it to 'io.unet'.", null, null)]
    // Only the clash: the clashing entries are left out, so the graph checks do not report it again.
    [InlineData("""{"unet": {"inputs": {"sample": "x", "timestep": "x"}}}""",
        "svdweb.json: key 'io.unet.inputs' maps sample and timestep to the same input 'x' of unet/model.onnx", "Map each to a different name", null)]
    [InlineData("""{"unet": {"inputs": {"sample": "timestep"}}}""",
        "svdweb.json: key 'io.unet.inputs' maps sample and timestep (unmapped, so it keeps its own name) to the same input 'timestep'", "to swap two names, map both", null)]
    // The graph's name written first: the reversed entry is suggested.
    [InlineData("""{"unet": {"outputs": {"latent": "out_sample"}}}""",
        "svdweb.json: key 'io.unet.outputs.latent' is not a contract output name of the UNet, but its value \"out_sample\" is", "so write \"out_sample\": \"latent\".", null)]
    [InlineData("\"tensorrt\"",
        "svdweb.json: key 'io' is \"tensorrt\" (JSON string), but it must be an object keyed by component (image_encoder, vae_encoder, vae_decoder and unet).", null, null)]
    public void Validate_OneIoMistake_OneProblemNamingTheKeyAndTheFix(string io, string start, string? fix, string? end)
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", WithIo(io));

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith(start, problem, StringComparison.Ordinal);
        if (fix is not null) Assert.Contains(fix, problem, StringComparison.Ordinal);
        if (end is not null) Assert.EndsWith(end, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_IoUnknownComponentKeyAndContractName_NamesWhatIsAllowed()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", """
            {"default_height": 64, "default_width": 128, "iox": {}, "io": {"text_encoder": {}, "unet": {"output": {}, "outputs": {"noise_pred": "latent"}}}}
            """);

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("svdweb.json: unknown key 'iox'; the keys SvdWeb reads are 'default_height', 'default_width', 'io', 'license_url' and 'draft_inference_steps'.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.text_encoder' is not a pack component; the components are image_encoder, vae_encoder, vae_decoder and unet.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: unknown key 'io.unet.output'; the keys SvdWeb reads there are 'inputs', 'outputs' and 'timestep_shape'.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.unet.outputs.noise_pred' is not a contract output name of the UNet; the names it can map are out_sample.", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_IoTargetsNotStrings_SaysEachMustBeAName()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", WithIo("""
            {"unet": {"outputs": {"out_sample": 5}, "inputs": {"sample": ""}}, "vae_encoder": ["sample"], "image_encoder": {"inputs": "pixel_values"}}
            """));

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.unet.outputs.out_sample' is 5 (JSON number), but it must be a non-empty string: the name of the output out_sample in unet/model.onnx.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.unet.inputs.sample' is \"\" (JSON string), but it must be a non-empty string", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.vae_encoder' is [\"sample\"] (JSON array), but it must be an object with optional 'inputs' and 'outputs' maps.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith(
            "svdweb.json: key 'io.image_encoder.inputs' is \"pixel_values\" (JSON string), but it must be an object from the contract's input names to the names in image_encoder/model.onnx", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TimestepOneButGraphFixesTheBatch_NamesTheAxisAndTheSetting()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", WithIo("""{"unet": {"timestep_shape": "one"}}"""));
        File.WriteAllBytes(copy.PathOf("unet/model.onnx"), OnnxTestModels.Graph(
            [("sample", 1, [2, "F", 8, "h", "w"]), ("timestep", 1, [2]), ("encoder_hidden_states", 1, [2, 1, 32]), ("added_time_ids", 1, [2, 3])],
            [("out_sample", 1, [2, "F", 4, "h", "w"])], weightType: 1, weightCount: 10));

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("unet/model.onnx input 'timestep' is [2]: axis 0 (one) is fixed at 2, but svdweb.json sets io.unet.timestep_shape \"one\", " +
            "so the pipeline feeds one timestep for the whole batch.", problem, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> AssertInvalid(string folder)
    {
        var validation = ModelPack.Validate(folder);
        Assert.Null(validation.Pack);
        Assert.NotEmpty(validation.Problems);
        return validation.Problems;
    }
}
