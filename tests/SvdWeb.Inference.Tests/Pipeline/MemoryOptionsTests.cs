using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// diffusers' memory options on the tiny pack against a run without them: model CPU offload changes where the weights
/// wait, not any arithmetic, and forward chunking computes each feed-forward row with the same matrix products, so both
/// must give the same bits — in both denoising loops, with guidance and without, and for two videos.
/// </summary>
public sealed class MemoryOptionsTests
{
    public static TheoryData<string, bool, bool, bool> Cases => new()
    {
        // case, offload, chunking, device loop
        { "A", true, false, true },
        { "A", false, true, true },
        { "A", true, true, false },
        { "B", false, true, false },   // no guidance: the UNet batch is 1, the temporal Scan runs over one row's frames
        { "C", true, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RunAsync_WithMemoryOption_GivesTheSameBitsAsWithout(string caseName, bool offload, bool chunking, bool deviceLoop)
    {
        var golden = PipelineCase.Load(caseName);
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var plain = SvdPipeline.Load(pack, Settings(deviceLoop, MemoryOptions.None));
        using var lowMemory = SvdPipeline.Load(pack, Settings(deviceLoop, new MemoryOptions(offload, chunking)));

        var expected = await plain.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(plain.Pack), null, TestContext.Current.CancellationToken);
        var actual = await lowMemory.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(lowMemory.Pack), null, TestContext.Current.CancellationToken);

        AssertSameBits(expected, actual);
    }

    [Fact]
    public async Task RunAsync_TwoVideosWithBothOptions_GivesTheSameBitsAsWithout()
    {
        var golden = PipelineCase.Load("A");
        var recipe = golden.Recipe with { NumVideosPerPrompt = 2 };
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var plain = SvdPipeline.Load(pack, Settings(true, MemoryOptions.None));
        using var lowMemory = SvdPipeline.Load(pack, Settings(true, new MemoryOptions(ModelCpuOffload: true, ForwardChunking: true)));

        AssertSameBits(
            await plain.RunAsync(golden.LoadImage(), recipe.Resolve(plain.Pack), null, TestContext.Current.CancellationToken),
            await lowMemory.RunAsync(golden.LoadImage(), recipe.Resolve(lowMemory.Pack), null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_ModelCpuOffload_LeavesNoNetworkLoadedBetweenRunsAndReloadsEachOnce()
    {
        var golden = PipelineCase.Load("B");
        using var pipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), Settings(true, new MemoryOptions(ModelCpuOffload: true)));
        Assert.Equal(TimeSpan.Zero, pipeline.LastRunReloadTime);

        await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), null, TestContext.Current.CancellationToken);

        Assert.Equal(0, pipeline.LoadedNetworks);
        Assert.True(pipeline.LastRunReloadTime > TimeSpan.Zero, "an offloaded run must bring each network back");
    }

    [Fact]
    public void Load_ForwardChunking_ChunksEveryFeedForwardOfTheTinyUNet()
    {
        // tiny UNet: one CrossAttn down block (2 layers), the mid block and one CrossAttn up block (3 layers): 6
        // transformers, each with a spatial ff, a temporal ff_in and a temporal ff.
        var editor = OnnxModelEditor.Parse(File.ReadAllBytes(Path.Combine(Fixtures.TinyPack, "unet", "model.onnx")));

        var result = ForwardChunking.Apply(editor, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);

        Assert.Equal(new ForwardChunking.Result(Chunked: 18, Skipped: 0), result);
        Assert.Equal(18, editor.Nodes.Count(n => n.OpType == "Scan"));
        Assert.DoesNotContain(editor.Nodes, n => n.Name.Contains("/ff/net.0/proj/MatMul", StringComparison.Ordinal));
    }

    private static ExecutionSettings Settings(bool deviceLoop, MemoryOptions memory) =>
        new(ExecutionDevice.Cpu, IntraOpNumThreads: 1, DeviceResidentLoop: deviceLoop, Memory: memory);

    private static void AssertSameBits(SvdResult expected, SvdResult actual)
    {
        Assert.Equal(expected.Videos.Count, actual.Videos.Count);
        for (var v = 0; v < expected.Videos.Count; v++)
        {
            var e = expected.Videos[v].FramesZeroToOne;
            var a = actual.Videos[v].FramesZeroToOne;
            var first = Enumerable.Range(0, e.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]), -1);
            Assert.True(first < 0, $"video {v}: value {first} is {(first < 0 ? 0 : a[first]):R} with the option, {(first < 0 ? 0 : e[first]):R} without.");
            Assert.Equal(expected.Videos[v].FramesRgb24, actual.Videos[v].FramesRgb24);
        }
    }
}
