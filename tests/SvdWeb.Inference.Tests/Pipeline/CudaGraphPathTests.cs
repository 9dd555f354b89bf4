using Microsoft.Extensions.Logging;
using SvdWeb.Inference.Loop;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// The CUDA graph path of the device-resident loop on the tiny pack, on the CPU: the same code as on CUDA (fixed
/// buffers per run shape, the conditioning written into them by the prepare graph, graph ids in the run options, the
/// fallback) minus the CUDA option itself, which the CPU provider does not have and whose ids it ignores. Frames must
/// be bit-identical to the normal device loop, with and without a failed capture.
/// </summary>
public sealed class CudaGraphPathTests
{
    private static ExecutionSettings Settings(bool graphPath, int shapes = 4) =>
        new(ExecutionDevice.Cpu, IntraOpNumThreads: 1, CudaGraphShapes: shapes) { GraphPathOnCpu = graphPath };

    [Theory]
    [InlineData("A", 1)]   // guidance: UNet batch 2
    [InlineData("B", 2)]   // no guidance, two videos: also UNet batch 2, other latents buffers
    public async Task RunAsync_GraphPath_GivesTheNormalLoopsBitsAndReusesTheShapesBuffers(string caseName, int videos)
    {
        var golden = PipelineCase.Load(caseName);
        var recipe = golden.Recipe with { NumVideosPerPrompt = videos };
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var normal = SvdPipeline.Load(pack, Settings(graphPath: false));
        using var graphs = SvdPipeline.Load(pack, Settings(graphPath: true));
        Assert.False(normal.UsesCudaGraphs);
        Assert.True(graphs.UsesCudaGraphs);

        var expected = await normal.RunAsync(golden.LoadImage(), recipe.Resolve(pack), null, TestContext.Current.CancellationToken);
        var captured = await graphs.RunAsync(golden.LoadImage(), recipe.Resolve(pack), null, TestContext.Current.CancellationToken);
        var buffers = graphs.Graphs!.Acquire(SingleShape(graphs))!.Buffers;
        var replayed = await graphs.RunAsync(golden.LoadImage(), recipe.Resolve(pack), null, TestContext.Current.CancellationToken);

        AssertSameBits(expected, captured);
        AssertSameBits(expected, replayed);
        Assert.Single(graphs.Graphs.Shapes);
        Assert.Same(buffers, graphs.Graphs.Acquire(SingleShape(graphs))!.Buffers);
        Assert.Equal(0, graphs.Graphs.RetiredGraphs);
    }

    [Fact]
    public async Task RunAsync_ShapesTakingTurnsPastTheBound_EvictRemakeTheSessionAndKeepTheNormalBits()
    {
        // Each new shape evicts the other, whose buffers are freed and whose graph id is retired; at the limit of retired
        // graphs the UNet session is made again and the ids start over. Every run must still give the normal bits.
        var golden = PipelineCase.Load("B");
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var normal = SvdPipeline.Load(pack, Settings(graphPath: false));
        using var graphs = SvdPipeline.Load(pack, Settings(graphPath: true, shapes: 1));
        graphs.Graphs!.RetiredGraphLimit = 2;
        var one = golden.Recipe.Resolve(pack);
        var two = (golden.Recipe with { NumVideosPerPrompt = 2 }).Resolve(pack);
        var graphIds = new List<int>();

        foreach (var recipe in new[] { one, two, one, two })
        {
            var expected = await normal.RunAsync(golden.LoadImage(), recipe, null, TestContext.Current.CancellationToken);
            AssertSameBits(expected, await graphs.RunAsync(golden.LoadImage(), recipe, null, TestContext.Current.CancellationToken));
            graphIds.Add(graphs.Graphs.Acquire(SingleShape(graphs))!.GraphId);
        }

        Assert.Equal([1, 2, 3, 1], graphIds);
        Assert.Equal(1, graphs.GraphSessionResets);
        Assert.Equal(0, graphs.Graphs.RetiredGraphs);
    }

    [Fact]
    public async Task RunAsync_CaptureFails_LogsOnceAndGivesTheSameFrames()
    {
        var golden = PipelineCase.Load("B");
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var normal = SvdPipeline.Load(pack, Settings(graphPath: false));
        var logger = new RecordingLogger();
        using var graphs = SvdPipeline.Load(pack, Settings(graphPath: true), logger);
        var runner = new FailingCaptureRunner();
        graphs.UNetRunner = runner;
        var recipe = golden.Recipe.Resolve(pack);
        var steps = recipe.NumInferenceSteps;

        var expected = await normal.RunAsync(golden.LoadImage(), recipe, null, TestContext.Current.CancellationToken);
        var fellBack = await graphs.RunAsync(golden.LoadImage(), recipe, null, TestContext.Current.CancellationToken);
        var callsInFirstRun = runner.Calls.ToList();
        var later = await graphs.RunAsync(golden.LoadImage(), recipe, null, TestContext.Current.CancellationToken);

        AssertSameBits(expected, fellBack);
        AssertSameBits(expected, later);
        // Graph 1 once (it fails), then step 0 again and every later step plainly; the next run never asks for a graph.
        Assert.Equal([1, .. Enumerable.Repeat<int?>(null, steps)], callsInFirstRun);
        Assert.All(runner.Calls.Skip(callsInFirstRun.Count), id => Assert.Null(id));
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal(20, warning.EventId);
        Assert.Contains("CUDA graph 1 of the UNet for run shape V=1 Bu=1 F=", warning.Message, StringComparison.Ordinal);
        // ORT's own refusal of the empty binding, passed through.
        Assert.Contains("ONNX Runtime said: [ErrorCode:InvalidArgument] At least one output", warning.Message, StringComparison.Ordinal);
        Assert.Empty(graphs.Graphs!.Shapes);
    }

    [Fact]
    public void Load_CudaGraphsOffOrOffloadOrCpu_DoesNotTakeTheGraphPath()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var off = SvdPipeline.Load(pack, Settings(graphPath: true) with { CudaGraphs = false });
        using var offload = SvdPipeline.Load(pack, Settings(graphPath: true) with { Memory = new MemoryOptions(ModelCpuOffload: true) });
        using var hostLoop = SvdPipeline.Load(pack, Settings(graphPath: true) with { DeviceResidentLoop = false });
        using var plainCpu = SvdPipeline.Load(pack, new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1));

        Assert.False(off.UsesCudaGraphs);
        Assert.False(offload.UsesCudaGraphs);
        Assert.False(hostLoop.UsesCudaGraphs);
        Assert.False(plainCpu.UsesCudaGraphs);
        Assert.True(ExecutionSettings.Default.CudaGraphs);
        Assert.Equal(4, ExecutionSettings.Default.CudaGraphShapes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ExecutionSettings.MaxCudaGraphShapes + 1)]
    public void Load_BoundOutOfRange_ThrowsBeforeLoading(int shapes)
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SvdPipeline.Load(pack, Settings(graphPath: false, shapes)));

        Assert.Contains("CudaGraphShapes must be 1 to 16", error.Message, StringComparison.Ordinal);
    }

    private static DenoisingShape SingleShape(SvdPipeline pipeline)
    {
        var key = Assert.Single(pipeline.Graphs!.Shapes);
        return new(key.Videos, key.UNetBatch, key.Frames, key.LatentChannels, key.LatentHeight, key.LatentWidth, key.SampleType,
            key.TimestepType, key.TimestepCount, key.NoisePredType, VPrediction: true, Preview: false, key.EmbedDim,
            key.EncoderHiddenStatesType, key.AddedTimeIdsType);
    }

    private static void AssertSameBits(SvdResult expected, SvdResult actual)
    {
        Assert.Equal(expected.Videos.Count, actual.Videos.Count);
        for (var v = 0; v < expected.Videos.Count; v++)
        {
            var e = expected.Videos[v].FramesZeroToOne;
            var a = actual.Videos[v].FramesZeroToOne;
            Assert.Equal(e.Length, a.Length);
            var differing = Enumerable.Range(0, e.Length).Count(i => BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]));
            Assert.True(differing == 0, $"video {v}: {differing} of {e.Length} frame values differ from the run without graphs.");
            Assert.Equal(expected.Videos[v].FramesRgb24, actual.Videos[v].FramesRgb24);
        }
    }
}
