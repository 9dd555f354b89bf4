using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Rng;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// A pack with float16 inputs and outputs runs diffusers' fp16 path: the augmentation noise is still drawn in float32,
/// the latents are drawn as float16 (torch's half randn, not the float32 draw rounded), and everything the float16
/// graphs take or give is rounded to half at the boundary.
/// </summary>
public sealed class Float16PackTests : IDisposable
{
    private readonly Float16IoPack _pack = new();
    private readonly SvdPipeline _pipeline;

    public Float16PackTests() =>
        _pipeline = SvdPipeline.Load(ModelPack.Load(_pack.Folder), new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1));

    private async Task<(SvdResult Result, Dictionary<string, float[]> Observed)> RunCaseAAsync(HalfRandnMode mode)
    {
        var golden = PipelineCase.Load("A");
        var observed = new Dictionary<string, float[]>();
        var result = await _pipeline.RunAsync(golden.LoadImage(), (golden.Recipe with { HalfRandn = mode }).Resolve(_pipeline.Pack),
            new SvdRunOptions(Observer: (name, values, _) => observed[name] = values.ToArray()), TestContext.Current.CancellationToken);
        return (result, observed);
    }

    [Fact]
    public async Task RunAsync_LegacyHalfRandn_DrawsNoiseInFloat32ThenLatentsInHalf()
    {
        var golden = PipelineCase.Load("A");

        var (_, observed) = await RunCaseAAsync(HalfRandnMode.Legacy);

        // Draw #1 is float32 whatever the pack dtype: the same noise as the float32 golden run.
        var noise = golden.Golden("noise_aug_noise");
        TensorAssert.BitExact("fp16_noise_aug_noise", noise.ToFloat32(), noise.Shape, observed["noise_aug_noise"]);
        // Draw #2 is torch 1.13's half randn from the same generator state.
        var generator = TorchGenerator.FromSeed(42);
        generator.Randn(new float[noise.Length]);
        var expected = new Half[observed["latents_randn"].Length];
        generator.Randn(expected, HalfRandnMode.Legacy);
        TensorAssert.BitExact("fp16_latents_randn", [.. expected.Select(h => (float)h)], [1, 6, 4, 8, 16], observed["latents_randn"]);
        // Inference README §6.6 and Appendix A: it is not the float32 draw rounded.
        Assert.NotEqual(golden.Golden("latents_randn").ToFloat32().Select(v => (float)(Half)v), observed["latents_randn"]);
    }

    [Fact]
    public async Task RunAsync_NewHalfRandn_EqualsFloat32DrawRoundedToHalf()
    {
        var golden = PipelineCase.Load("A");

        var (_, observed) = await RunCaseAAsync(HalfRandnMode.New);

        // torch ≥ 2.12's half randn computes in float32 and rounds; numel is a multiple of 16 here.
        var float32Draw = golden.Golden("latents_randn").ToFloat32();
        TensorAssert.BitExact("fp16_new_latents_randn", [.. float32Draw.Select(v => (float)(Half)v)], [1, 6, 4, 8, 16], observed["latents_randn"]);
    }

    [Fact]
    public async Task RunAsync_Float16Graphs_SeeAndGiveOnlyHalfValues()
    {
        var (result, observed) = await RunCaseAAsync(HalfRandnMode.Legacy);

        foreach (var tensor in new[] { "unet_encoder_hidden_states", "added_time_ids", "initial_latents", "guidance_scale", "step0_unet_sample",
                     "step3_unet_sample", "step0_unet_out", "step2_guided_model_output", "step3_latents_after_step", "decode_chunk0_in", "decode_chunk1_out" })
        {
            var values = observed[tensor];
            var notHalf = values.Count(v => v != (float)(Half)v);
            Assert.True(notHalf == 0, $"{tensor}: {notHalf} of {values.Length} values are not float16 values.");
        }
        // The VAE encoder stays float32 (force_upcast), so its latents keep float32 precision before the cast.
        Assert.Contains(observed["image_latents"], v => v != (float)(Half)v);
        // noise_aug_strength in the pack dtype: the float16 nearest 0.02 is 0x251F = 0.0200042725, not 0x2523
        // (0.0200653, four ulps away); torch's .to(float16) rounds to nearest (Inference README §4.5).
        Assert.Equal(BitConverter.UInt16BitsToHalf(0x251F), (Half)observed["added_time_ids"][2]);
        Assert.Equal(0.0200042725f, observed["added_time_ids"][2]);
        var video = Assert.Single(result.Videos);
        Assert.Equal((6, 64, 128), (video.NumFrames, video.Height, video.Width));
    }

    [Fact]
    public async Task RunAsync_Float16Pack_StaysCloseToFloat32Frames()
    {
        var golden = PipelineCase.Load("A");

        var (result, _) = await RunCaseAAsync(HalfRandnMode.New);

        // With New half randn the float16 run starts from the float32 golden draw rounded to half; rounding every UNet
        // input and output to half (11-bit mantissa) over four steps moves the frames by at most a few levels.
        TensorAssert.Close("fp16_vs_fp32_frames", golden.Golden("frames"), result.Videos[0].FramesZeroToOne, maxAbs: 0.05f);
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _pack.Dispose();
    }
}
