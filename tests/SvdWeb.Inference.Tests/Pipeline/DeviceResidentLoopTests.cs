using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Tests.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// The device-resident denoising loop (I/O binding, glue as ONNX graphs) against the host loop on the same pack and
/// execution provider: the same bits, for every shape of run the glue graphs branch on — guidance on and off, several
/// videos, float16 packs, a UNet that takes one timestep, epsilon prediction, previews. On CPU the "device" is host
/// memory, so this checks the graphs' arithmetic; on CUDA the same graphs run with the latents in device memory.
/// </summary>
public sealed class DeviceResidentLoopTests
{
    private static ExecutionSettings Settings(bool deviceLoop) =>
        new(ExecutionDevice.Cpu, IntraOpNumThreads: 1, DeviceResidentLoop: deviceLoop);

    public static TheoryData<string, string> Cases => new()
    {
        { "A", "golden" },           // guidance 1..3, 6 frames, chunks of 4
        { "B", "golden" },           // max guidance 1: no guidance, UNet batch 1
        { "C", "golden" },           // portrait, guidance 2..2.5
        { "A", "two-videos" },       // V = 2, Bu = 4; a decode chunk spans both videos
        { "A", "previews" },         // the extra denoised-first-frame output
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RunAsync_DeviceLoop_GivesTheHostLoopsBits(string caseName, string variant)
    {
        var golden = PipelineCase.Load(caseName);
        var recipe = variant == "two-videos" ? golden.Recipe with { NumVideosPerPrompt = 2 } : golden.Recipe;

        var (host, device) = await RunBothAsync(Fixtures.TinyPack, golden, recipe, previews: variant == "previews");

        AssertSameVideos(host, device);
        AssertSamePreviews(host, device);
    }

    [Fact]
    public async Task RunAsync_Float16Pack_DeviceLoopGivesTheHostLoopsBits()
    {
        using var pack = new Float16IoPack();
        var golden = PipelineCase.Load("A");

        var (host, device) = await RunBothAsync(pack.Folder, golden, golden.Recipe);

        AssertSameVideos(host, device);
    }

    [Fact]
    public async Task RunAsync_UNetTakingOneTimestep_DeviceLoopGivesTheHostLoopsBits()
    {
        using var pack = new TensorRtUNetPack(withIoMapping: true);
        var golden = PipelineCase.Load("A");

        var (host, device) = await RunBothAsync(pack.Folder, golden, golden.Recipe);

        AssertSameVideos(host, device);
    }

    [Fact]
    public async Task RunAsync_EpsilonPrediction_DeviceLoopGivesTheHostLoopsBits()
    {
        using var pack = new TempPackCopy();
        pack.ReplaceText("scheduler/scheduler_config.json", "\"v_prediction\"", "\"epsilon\"");
        var golden = PipelineCase.Load("C");

        var (host, device) = await RunBothAsync(pack.Folder, golden, golden.Recipe);

        AssertSameVideos(host, device);
    }

    [Fact]
    public async Task RunAsync_EpsilonPredictionWithPreviews_DeviceLoopShowsTheHostLoopsPreviews()
    {
        // Both loops' previews are the scheduler's pred_original_sample, whatever the prediction type.
        using var pack = new TempPackCopy();
        pack.ReplaceText("scheduler/scheduler_config.json", "\"v_prediction\"", "\"epsilon\"");
        var golden = PipelineCase.Load("A");

        var (host, device) = await RunBothAsync(pack.Folder, golden, golden.Recipe, previews: true);

        AssertSameVideos(host, device);
        AssertSamePreviews(host, device);
    }

    [Fact]
    public async Task RunAsync_Float16PackWithPreviews_DeviceLoopShowsTheHostLoopsPreviews()
    {
        using var pack = new Float16IoPack();
        var golden = PipelineCase.Load("A");

        var (host, device) = await RunBothAsync(pack.Folder, golden, golden.Recipe, previews: true);

        AssertSamePreviews(host, device);
    }

    [Fact]
    public async Task RunAsync_WithObserver_UsesTheHostLoopEvenWhenTheDeviceLoopIsOn()
    {
        // Per-step tensors exist only in the host loop; a run that asks for them must get them.
        using var pipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), Settings(deviceLoop: true));
        var golden = PipelineCase.Load("B");
        var observed = new List<string>();

        await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), new SvdRunOptions(Observer: (name, _, _) => observed.Add(name)),
            TestContext.Current.CancellationToken);
        Assert.Equal(0, pipeline.GlueShapeCount);
        Assert.Contains("step2_latents_after_step", observed);

        await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), null, TestContext.Current.CancellationToken);
        Assert.Equal(1, pipeline.GlueShapeCount);
    }

    [Fact]
    public async Task RunAsync_DeviceLoopCancelledMidway_ThenSameRunMatches()
    {
        using var pipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), Settings(deviceLoop: true));
        var golden = PipelineCase.Load("A");
        var before = await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), null, TestContext.Current.CancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var progress = new SyncProgress(p =>
        {
            if (p is { Stage: SvdStage.Denoising, Step: 2 }) cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), new SvdRunOptions(progress), cts.Token));
        var after = await pipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(pipeline.Pack), null, TestContext.Current.CancellationToken);

        Assert.Equal(before.Videos[0].FramesZeroToOne, after.Videos[0].FramesZeroToOne);
    }

    private static async Task<(LoopRun Host, LoopRun Device)> RunBothAsync(string packFolder, PipelineCase golden, SvdRecipe recipe, bool previews = false)
    {
        var pack = ModelPack.Load(packFolder);
        using var hostPipeline = SvdPipeline.Load(pack, Settings(deviceLoop: false));
        using var devicePipeline = SvdPipeline.Load(pack, Settings(deviceLoop: true));
        var host = await RunAsync(hostPipeline, golden, recipe, previews);
        var device = await RunAsync(devicePipeline, golden, recipe, previews);
        Assert.Equal(0, hostPipeline.GlueShapeCount);
        Assert.Equal(1, devicePipeline.GlueShapeCount);
        return (host, device);
    }

    private static async Task<LoopRun> RunAsync(SvdPipeline pipeline, PipelineCase golden, SvdRecipe recipe, bool previews)
    {
        var shown = new List<RgbImage>();
        var options = previews
            ? new SvdRunOptions(new SyncProgress(p => { if (p.Preview is { } preview) shown.Add(preview); }), Previews: true)
            : null;
        var result = await pipeline.RunAsync(golden.LoadImage(), recipe.Resolve(pipeline.Pack), options, TestContext.Current.CancellationToken);
        if (previews) Assert.Equal(recipe.NumInferenceSteps, shown.Count);
        return new LoopRun(result.Videos, shown);
    }

    private sealed record LoopRun(IReadOnlyList<SvdVideo> Videos, IReadOnlyList<RgbImage> Previews);

    private static void AssertSamePreviews(LoopRun host, LoopRun device)
    {
        Assert.Equal(host.Previews.Count, device.Previews.Count);
        for (var step = 0; step < host.Previews.Count; step++)
        {
            var expected = host.Previews[step].Pixels;
            var actual = device.Previews[step].Pixels;
            var differing = expected.Zip(actual).Count(pair => pair.First != pair.Second);
            Assert.True(differing == 0 && expected.Length == actual.Length,
                $"step {step}: {differing} of {expected.Length} preview values differ between the host and device loops.");
        }
    }

    private static void AssertSameVideos(LoopRun host, LoopRun device)
    {
        Assert.Equal(host.Videos.Count, device.Videos.Count);
        for (var v = 0; v < host.Videos.Count; v++)
        {
            var expected = host.Videos[v].FramesZeroToOne;
            var actual = device.Videos[v].FramesZeroToOne;
            Assert.Equal(expected.Length, actual.Length);
            var firstDifference = Enumerable.Range(0, expected.Length)
                .FirstOrDefault(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]), -1);
            Assert.True(firstDifference < 0,
                $"video {v}: value {firstDifference} is {(firstDifference < 0 ? 0 : actual[firstDifference]):R} on the device loop, " +
                $"{(firstDifference < 0 ? 0 : expected[firstDifference]):R} on the host loop.");
            Assert.Equal(host.Videos[v].FramesRgb24, device.Videos[v].FramesRgb24);
        }
    }
}
