using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// A UNet exported by another tool, under its own names and timestep shape, runs through svdweb.json's "io" mapping
/// exactly as the contract's UNet does: same ONNX nodes and weights, same arithmetic, so the frames are the same bits.
/// </summary>
public sealed class TensorRtUNetPackTests(TinyPipelineFixture fixture) : IClassFixture<TinyPipelineFixture>
{
    [Fact]
    public void Validate_TensorRtUNetWithIoMapping_HasNoProblemsAndExposesTheMapping()
    {
        using var pack = new TensorRtUNetPack(withIoMapping: true);

        var validation = ModelPack.Validate(pack.Folder);

        Assert.Empty(validation.Problems);
        var io = Assert.IsType<ModelPack>(validation.Pack).Io;
        Assert.Equal("latent", io.For(PackComponent.UNet).Output(UNet.OutputName));
        Assert.Equal("sample", io.For(PackComponent.UNet).Input(UNet.SampleName));
        Assert.Equal("timestep", io.For(PackComponent.UNet).Input(UNet.TimestepName));
        Assert.Equal(TimestepShape.One, io.UNetTimestepShape);
        Assert.Equal("sample", io.For(PackComponent.VaeDecoder).Output(VaeDecoder.OutputName));
    }

    [Fact]
    public void Validate_TensorRtUNetWithoutIoMapping_NamesOutSampleLatentAndTheTimestepShape()
    {
        using var pack = new TensorRtUNetPack(withIoMapping: false);

        var problems = ModelPack.Validate(pack.Folder).Problems;

        Assert.Equal(2, problems.Count);
        var output = Assert.Single(problems, p => p.StartsWith("unet/model.onnx has no output 'out_sample' (its outputs: latent)", StringComparison.Ordinal));
        // The fix offers the one mapping that makes it valid, with the graph's only unclaimed output.
        Assert.Contains("""map it in svdweb.json: {"io": {"unet": {"outputs": {"out_sample": "latent"}}}}""", output, StringComparison.Ordinal);
        var timestep = Assert.Single(problems, p => p.StartsWith("unet/model.onnx input 'timestep' is [1], but the pipeline feeds one timestep per batch row", StringComparison.Ordinal));
        Assert.Contains("\"timestep_shape\": \"one\"", timestep, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TensorRtUNetMappedButTimestepPerRow_SuggestsTimestepShapeOne()
    {
        using var pack = new TensorRtUNetPack(withIoMapping: false);
        File.WriteAllText(Path.Combine(pack.Folder, "svdweb.json"), """{"default_height": 64, "default_width": 128, "io": {"unet": {"outputs": {"out_sample": "latent"}}}}""");

        var problem = Assert.Single(ModelPack.Validate(pack.Folder).Problems);

        Assert.StartsWith("unet/model.onnx input 'timestep' is [1], but the pipeline feeds one timestep per batch row", problem, StringComparison.Ordinal);
        Assert.Contains("the batch of 'sample' [B,F,8,h,w] is not fixed at 1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TensorRtUNetCaseA_FramesBitIdenticalToTinyPack()
    {
        using var pack = new TensorRtUNetPack(withIoMapping: true);
        using var pipeline = SvdPipeline.Load(ModelPack.Load(pack.Folder), new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1));
        var golden = PipelineCase.Load("A");
        var mappedOut = new Dictionary<string, float[]>();
        var contractOut = new Dictionary<string, float[]>();

        // Case A guides (UNet batch 2), so the [1] timestep is broadcast inside the graph; ONNX Runtime refuses a [2]
        // timestep for an input declared [1], so this run passing also shows the pipeline fed [1].
        var mapped = await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack),
            new SvdRunOptions(Observer: (name, values, _) => mappedOut[name] = values.ToArray()), TestContext.Current.CancellationToken);
        var contract = await fixture.Pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(fixture.Pipeline.Pack),
            new SvdRunOptions(Observer: (name, values, _) => contractOut[name] = values.ToArray()), TestContext.Current.CancellationToken);

        Assert.True(golden.Recipe.MaxGuidanceScale > 1f, "Case A must guide, so that the UNet batch is 2.");
        // Every recorded stage, not only the frames, so a difference would name where it starts.
        Assert.True(contractOut.Count > 20, $"Only {contractOut.Count} stages were recorded.");
        Assert.Equal(contractOut.Keys.Order(StringComparer.Ordinal), mappedOut.Keys.Order(StringComparer.Ordinal));
        foreach (var (stage, values) in contractOut)
            TensorAssert.BitExact($"trt_{stage}", values, [values.Length], mappedOut[stage]);
        var (expected, actual) = (contract.Videos[0], mapped.Videos[0]);
        TensorAssert.BitExact("trt_frames", expected.FramesZeroToOne, [expected.NumFrames, expected.Height, expected.Width, 3], actual.FramesZeroToOne);
        Assert.Equal(expected.FramesRgb24, actual.FramesRgb24);
    }
}
