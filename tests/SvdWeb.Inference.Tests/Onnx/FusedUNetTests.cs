using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Tests.Models;
using SvdWeb.Inference.Tests.Pipeline;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// A pack whose UNet holds ONNX Runtime's UNet fusions (GroupNorm with SiLU in NHWC, BiasSplitGelu), as
/// <see cref="UNetTestFuser"/> writes them into the bundled tiny UNet, runs on the CPU through the app's decomposition
/// and gives the unfused pack's frames.
/// </summary>
public sealed class FusedUNetTests
{
    [Fact]
    public async Task RunAsync_UNetWithGroupNormAndBiasSplitGelu_GivesTheUnfusedPacksFrames()
    {
        using var fusedPack = new TempPackCopy();
        var unet = fusedPack.PathOf("unet/model.onnx");
        var fused = UNetTestFuser.Fuse(File.ReadAllBytes(unet));
        File.WriteAllBytes(unet, fused.Model);
        // tiny UNet: 12 spatial resnets (down 2·2, mid 2, up 2·3) with 2 norms each, all followed by SiLU, and 5 transformer
        // input norms and the output norm (SiLU after that one only); the temporal resnets' norms are 5-D, which ONNX
        // Runtime's fusion leaves alone. 6 transformer blocks, each with a spatial and a temporal GEGLU.
        Assert.Equal(31, fused.GroupNorms);
        Assert.Equal(25, fused.WithSilu);
        Assert.Equal(12, fused.BiasSplitGelus);
        var pack = ModelPack.Load(fusedPack.Folder);
        Assert.Equal(fused.GroupNorms, pack.FusedOperators[PackComponent.UNet]["GroupNorm"]);

        var golden = PipelineCase.Load("A");
        var settings = new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1);
        using var fusedPipeline = SvdPipeline.Load(pack, settings);
        using var unfusedPipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), settings);
        var expected = await unfusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(unfusedPipeline.Pack), null, TestContext.Current.CancellationToken);
        var actual = await fusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(fusedPipeline.Pack), null, TestContext.Current.CancellationToken);

        var e = expected.Videos[0].FramesZeroToOne;
        var a = actual.Videos[0].FramesZeroToOne;
        var worst = Enumerable.Range(0, e.Length).Max(i => Math.Abs(e[i] - a[i]));
        TestContext.Current.TestOutputHelper?.WriteLine($"fused vs unfused UNet: {fused.GroupNorms} GroupNorm ({fused.WithSilu} with SiLU), " +
            $"{fused.BiasSplitGelus} BiasSplitGelu; max |frame difference| {worst:E3}");
        // The decomposition is the traced operators (measured: max difference 0), so the bits are the unfused pack's.
        var first = Enumerable.Range(0, e.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]), -1);
        Assert.True(first < 0, $"value {first}: fused {(first < 0 ? 0 : a[first]):R}, unfused {(first < 0 ? 0 : e[first]):R}; max difference {worst:E3}");
    }

    [Fact]
    public void ForwardChunking_UNetWithBiasSplitGelu_ChunksEveryFeedForwardItChunksUnfused()
    {
        // ONNX Runtime names BiasSplitGelu without the module scope (the test fuser does too): on CUDA it joins its
        // feed-forward's group, on the CPU its decomposed nodes are named under that scope.
        var original = File.ReadAllBytes(Path.Combine(Fixtures.TinyPack, "unet", "model.onnx"));
        var unfused = ForwardChunking.Apply(OnnxModelEditor.Parse(original), Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);
        var fused = UNetTestFuser.Fuse(original).Model;

        var onCuda = ForwardChunking.Apply(OnnxModelEditor.Parse(fused), Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);
        var cpuEditor = OnnxModelEditor.Parse(fused);
        FusedOperatorDecomposition.Apply(cpuEditor, half: false);
        var onCpu = ForwardChunking.Apply(cpuEditor, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);

        Assert.True(unfused.Chunked >= 12, $"unfused: {unfused}");
        Assert.Equal(unfused, onCuda);
        Assert.Equal(unfused, onCpu);
    }

    [Fact]
    public async Task RunAsync_FusedUNetWithForwardChunking_GivesTheUnfusedPacksFrames()
    {
        using var fusedPack = new TempPackCopy();
        var unet = fusedPack.PathOf("unet/model.onnx");
        File.WriteAllBytes(unet, UNetTestFuser.Fuse(File.ReadAllBytes(unet)).Model);
        var golden = PipelineCase.Load("A");
        var chunked = new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1,
            Memory: new SvdWeb.Inference.Memory.MemoryOptions(ForwardChunking: true));
        using var fusedPipeline = SvdPipeline.Load(ModelPack.Load(fusedPack.Folder), chunked);
        using var unfusedPipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1));

        var expected = await unfusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(unfusedPipeline.Pack), null, TestContext.Current.CancellationToken);
        var actual = await fusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(fusedPipeline.Pack), null, TestContext.Current.CancellationToken);

        var e = expected.Videos[0].FramesZeroToOne;
        var a = actual.Videos[0].FramesZeroToOne;
        var first = Enumerable.Range(0, e.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]), -1);
        Assert.True(first < 0, $"value {first}: fused and chunked {(first < 0 ? 0 : a[first]):R}, unfused {(first < 0 ? 0 : e[first]):R}");
    }
}
