using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Onnx;

public sealed class OnnxProfileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-profile-").FullName;

    [Fact]
    public void NodeFlops_ConvMatMulAttention_TwoPerMultiplyAdd()
    {
        // Conv: 8 output channels of 4x4, each from 3 input channels x 3x3 taps.
        Assert.Equal(2.0 * (8 * 4 * 4) * (3 * 3 * 3), OnnxProfile.NodeFlops("Conv", [[1, 3, 6, 6], [8, 3, 3, 3]], [[1, 8, 4, 4]]));
        // MatMul [2,3,4] x [4,5] -> [2,3,5]: 30 outputs of 4 products each.
        Assert.Equal(2.0 * 30 * 4, OnnxProfile.NodeFlops("MatMul", [[2, 3, 4], [4, 5]], [[2, 3, 5]]));
        // Fused self-attention, batch 2, 16 tokens, 32 wide: QK^T and AV.
        Assert.Equal(4.0 * 2 * 16 * 16 * 32, OnnxProfile.NodeFlops("MultiHeadAttention", [[2, 16, 32]], [[2, 16, 32]]));
        Assert.Equal(0, OnnxProfile.NodeFlops("Add", [[2, 3], [2, 3]], [[2, 3]]));
    }

    [Fact]
    public void Read_ProfileJson_CountsRunsFlopsAndNodeTime()
    {
        var path = Path.Combine(_folder, "p.json");
        File.WriteAllText(path, """
            [
              {"cat":"Session","name":"model_run","dur":900},
              {"cat":"Node","name":"c_kernel_time","dur":100,"args":{"op_name":"Conv","input_type_shape":[{"float":[1,3,6,6]},{"float":[8,3,3,3]}],"output_type_shape":[{"float":[1,8,4,4]}]}},
              {"cat":"Node","name":"a_kernel_time","dur":5,"args":{"op_name":"Add","input_type_shape":[{"float":[1,8,4,4]},{"float":[1,8,4,4]}],"output_type_shape":[{"float":[1,8,4,4]}]}},
              {"cat":"Session","name":"model_run","dur":800},
              {"cat":"Node","name":"c_kernel_time","dur":95,"args":{"op_name":"Conv","input_type_shape":[{"float":[1,3,6,6]},{"float":[8,3,3,3]}],"output_type_shape":[{"float":[1,8,4,4]}]}}
            ]
            """);

        var profile = OnnxProfile.Read(path);

        Assert.Equal(2, profile.Runs);
        Assert.Equal(2 * 6912.0, profile.Flops);
        Assert.Equal(6912.0, profile.FlopsPerRun);
        Assert.Equal(TimeSpan.FromMicroseconds(200), profile.NodeTime);
        Assert.Equal(["Conv"], profile.FlopsByOp.Keys);
    }

    [Fact]
    public async Task Pipeline_Profiled_UNetFlopsScaleExactlyWithCfgBatch()
    {
        var image = ImageLoader.Load(Fixtures.Image("logo_128x64.png"), ImageLimits.Default);
        var recipe = new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 3, Seed = 1 };

        var guided = await UNetProfileAsync(image, recipe, "guided");
        var unguided = await UNetProfileAsync(image, recipe with { MaxGuidanceScale = 1f }, "unguided");

        Assert.Equal((3, 3), (guided.Runs, unguided.Runs));
        Assert.True(unguided.FlopsPerRun > 1e8, $"The tiny UNet's counted work is implausibly small: {unguided.FlopsPerRun:E3}.");
        // Every counted op works per sample, so the [uncond, cond] batch of two does exactly twice the work.
        Assert.Equal(2 * unguided.FlopsPerRun, guided.FlopsPerRun, 1e-9 * guided.FlopsPerRun);
        Assert.Contains("Conv", guided.FlopsByOp.Keys);
    }

    private async Task<OnnxProfile> UNetProfileAsync(RgbImage image, SvdRecipe recipe, string name)
    {
        using var pipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack),
            new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1, ProfilePrefix: Path.Combine(_folder, name)));
        await pipeline.RunAsync(image, recipe.Resolve(pipeline.Pack), null, TestContext.Current.CancellationToken);
        var unet = pipeline.EndProfiling()[PackComponent.UNet];
        Assert.StartsWith(Path.Combine(_folder, name + "-unet"), Path.GetFullPath(unet), StringComparison.Ordinal);
        return OnnxProfile.Read(unet);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
