using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Memory;

public sealed class GpuMemoryEstimatorTests
{
    private const double Gib = 1L << 30;

    // SVD-XT's unet/config.json and vae/config.json (stabilityai/stable-video-diffusion-img2vid-xt), the keys the
    // estimate reads.
    private static readonly UNetConfig XtUNet = new(25, 8, 4, 96, 256, 768, 1024, [320, 640, 1280, 1280])
    {
        NumAttentionHeads = [5, 10, 20, 20],
        LayersPerBlock = 2,
        DownBlockTypes = ["CrossAttnDownBlockSpatioTemporal", "CrossAttnDownBlockSpatioTemporal", "CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"],
    };

    private static readonly VaeConfig XtVae = new(4, 0.18215, true, [128, 256, 512, 512]);

    // An fp16 XT pack as README states it from the checkpoint's file sizes: UNet 3.05 GB, image encoder 1.26 GB, VAE
    // about 0.3 GB (split here between the float32 encoder and the float16 decoder).
    private static readonly Dictionary<PackComponent, long> XtWeightBytes = new()
    {
        [PackComponent.UNet] = 3_050_000_000,
        [PackComponent.ImageEncoder] = 1_260_000_000,
        [PackComponent.VaeEncoder] = 140_000_000,
        [PackComponent.VaeDecoder] = 160_000_000,
    };

    private static readonly Dictionary<PackComponent, string> XtFp16Types = new()
    {
        [PackComponent.UNet] = "float16",
        [PackComponent.ImageEncoder] = "float16",
        [PackComponent.VaeEncoder] = "float32",
        [PackComponent.VaeDecoder] = "float16",
    };

    private static GpuMemoryEstimate Xt(int frames = 25, int chunk = 2, int height = 576, int width = 1024, bool materialized = false, MemoryOptions? options = null) =>
        GpuMemoryEstimator.Estimate(XtUNet, XtVae, XtWeightBytes, XtFp16Types, new MemoryRecipe(frames, height, width, chunk, 1, Guidance: true), 1.0, materialized, options);

    private static readonly ModelPack Tiny = ModelPack.Load(Fixtures.TinyPack);

    private static MemoryRecipe TinyRecipe(int frames = 6, int height = 64, int width = 128, int chunk = 6) => new(frames, height, width, chunk, 1, Guidance: true);

    [Fact]
    public void Estimate_WeightsTerm_EqualsTheGraphFileSizes()
    {
        var onnxBytes = new[] { "image_encoder", "vae_encoder", "vae_decoder", "unet" }
            .Sum(component => new FileInfo(Path.Combine(Fixtures.TinyPack, component, "model.onnx")).Length);

        var estimate = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe());

        Assert.Equal(onnxBytes, estimate.WeightBytes);
        Assert.Equal(onnxBytes, Tiny.WeightBytes.Values.Sum());
    }

    [Fact]
    public void Estimate_MoreFrames_NeedsMore()
    {
        long previous = 0;
        foreach (var frames in new[] { 1, 6, 14, 25, 50 })
        {
            var total = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(frames: frames, chunk: 1)).TotalBytes;
            Assert.True(total > previous, $"{frames} frames: {total} bytes, not more than {previous}");
            previous = total;
        }
    }

    [Fact]
    public void Estimate_LargerSize_NeedsMore()
    {
        long previous = 0;
        foreach (var (width, height) in new[] { (128, 64), (256, 128), (512, 256), (1024, 576) })
        {
            var total = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(width: width, height: height)).TotalBytes;
            Assert.True(total > previous, $"{width}×{height}: {total} bytes, not more than {previous}");
            previous = total;
        }
    }

    [Fact]
    public void Estimate_LargerDecodeChunk_NeedsMoreUpToAllFrames()
    {
        var byChunk = Enumerable.Range(1, 8).Select(chunk => GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(chunk: chunk))).ToArray();

        for (var i = 1; i < 6; i++) Assert.True(byChunk[i].DecodeBytes > byChunk[i - 1].DecodeBytes, $"chunk {i + 1}");
        // A chunk beyond the frames decodes them all in one call: no more than a chunk of exactly 6.
        Assert.Equal(byChunk[5].TotalBytes, byChunk[7].TotalBytes);
        Assert.Equal(6, byChunk[7].DecodeFrames);
    }

    [Fact]
    public void Estimate_Guidance_DoublesTheUNetBatch()
    {
        var guided = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe());
        var unguided = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe() with { Guidance = false });

        Assert.Equal(2.0, guided.UNetBytes / (double)unguided.UNetBytes, 2);
    }

    [Fact]
    public void Estimate_Calibration_ScalesTheTotal()
    {
        var plain = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe());
        var calibrated = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(), calibration: 1.5);

        // Whole bytes, rounded up (GpuMemoryEstimate.TotalBytes): an odd total times 1.5 ends in a half byte.
        Assert.Equal((long)Math.Ceiling(plain.TotalBytes * 1.5), calibrated.TotalBytes);
    }

    [Fact]
    public void Estimate_SvdXtFp16SmallDecodeChunk_WithinPublishedRange()
    {
        // diffusers' published figure (not our measurement): roughly 14-18 GB with a small decode_chunk_size.
        var total = Xt(chunk: 2).TotalBytes;

        Assert.InRange(total, 14e9, 18e9);
    }

    [Fact]
    public void Estimate_SvdXtFp16DecodeAllFrames_TensOfGigabytes()
    {
        var all = Xt(chunk: 25);

        Assert.True(all.TotalBytes > 30e9, all.Describe());
        Assert.True(all.DecodeBytes > 10 * Xt(chunk: 2).DecodeBytes, all.Describe());
    }

    [Fact]
    public void Estimate_MaterializedAttention_AddsTheScores()
    {
        var fused = Xt();
        var materialized = Xt(materialized: true);

        // Level 0's spatial scores and their softmax: 2 · N=50 · 5 heads · 9216² tokens · 2 bytes ≈ 79 GiB.
        Assert.InRange((materialized.UNetBytes - fused.UNetBytes) / Gib, 70, 90);
    }

    [Fact]
    public void Estimate_ForwardChunking_ShrinksOnlyTheUNetsFeedForward()
    {
        var plain = Xt();
        var chunked = Xt(options: new MemoryOptions(ForwardChunking: true));

        // Level 0 (320 channels, 9216 tokens, N = 50, Bu = 2): 18·C·s·N·e unchunked against (6·C·s·N + 16·C·s·Bu)·e,
        // (12·50 − 16·2) · 320 · 9216 · 2 bytes ≈ 3.1 GiB saved.
        Assert.InRange((plain.UNetBytes - chunked.UNetBytes) / Gib, 3.0, 3.3);
        Assert.Equal(plain.DecodeBytes, chunked.DecodeBytes);
        Assert.Equal(plain.WeightBytes, chunked.WeightBytes);
        Assert.Contains("forward chunking", chunked.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_ModelCpuOffload_IsTheHeaviestStagePlusTheRuntime()
    {
        var offloaded = Xt(options: new MemoryOptions(ModelCpuOffload: true));

        var unetStage = XtWeightBytes[PackComponent.UNet] + offloaded.UNetBytes;
        Assert.Equal(unetStage + GpuMemoryEstimator.RuntimeBytes, offloaded.TotalBytes);
        Assert.True(offloaded.TotalBytes < Xt().TotalBytes - XtWeightBytes[PackComponent.ImageEncoder] / 2, offloaded.Describe());
        Assert.Contains("model CPU offload", offloaded.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Estimate_GuidesThreeOptions_SvdXtComesNearTheGuidesFigure()
    {
        // diffusers' guide: SVD-XT at 576×1024 under 8 GB of VRAM with model offload, forward chunking and decode chunk 2
        // (its figure, not a measurement of ours). The model must land in the same region, not at the 15 GiB of no options.
        var all = Xt(chunk: 2, options: new MemoryOptions(ModelCpuOffload: true, ForwardChunking: true));

        Assert.InRange(all.TotalBytes / Gib, 5, 10);
        Assert.True(all.TotalBytes < Xt(chunk: 2).TotalBytes / 1.5, all.Describe());
    }

    [Fact]
    public void CheapestFit_PicksNoOptionThenChunkingThenOffloadThenBoth()
    {
        var recipe = TinyRecipe();
        var plain = GpuMemoryEstimator.Estimate(Tiny, recipe).TotalBytes;
        var chunked = GpuMemoryEstimator.Estimate(Tiny, recipe, 1.0, new MemoryOptions(ForwardChunking: true)).TotalBytes;
        var both = GpuMemoryEstimator.Estimate(Tiny, recipe, 1.0, new MemoryOptions(true, true)).TotalBytes;
        var allowed = new MemoryOptions(true, true);

        Assert.Equal(MemoryOptions.None, GpuMemoryEstimator.CheapestFit(Tiny, recipe, plain, 1.0, allowed)!.Options);
        Assert.Equal(new MemoryOptions(ForwardChunking: true), GpuMemoryEstimator.CheapestFit(Tiny, recipe, chunked, 1.0, allowed)!.Options);
        Assert.True(GpuMemoryEstimator.CheapestFit(Tiny, recipe, both, 1.0, allowed)!.Options!.ModelCpuOffload);
        Assert.Null(GpuMemoryEstimator.CheapestFit(Tiny, recipe, both - 1, 1.0, allowed));
        Assert.Null(GpuMemoryEstimator.CheapestFit(Tiny, recipe, chunked, 1.0, MemoryOptions.None));
    }

    [Fact]
    public void Refusal_TooLittleMemory_NamesTheFixes()
    {
        var needed = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe()).TotalBytes;
        var withChunkOne = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(chunk: 1)).TotalBytes;
        var available = (needed + withChunkOne) / 2;

        var message = GpuMemoryEstimator.Refusal(Tiny, TinyRecipe(), available, "SvdWeb:Inference:GpuMemoryBytes");

        Assert.NotNull(message);
        Assert.Contains("decodeChunkSize", message, StringComparison.Ordinal);
        Assert.Contains("numFrames", message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb:Inference:GpuMemoryBytes", message, StringComparison.Ordinal);
        Assert.Null(GpuMemoryEstimator.Refusal(Tiny, TinyRecipe(), needed, "test"));
    }

    [Fact]
    public void Refusal_SuggestedChunk_Fits()
    {
        var available = GpuMemoryEstimator.Estimate(Tiny, TinyRecipe(chunk: 3)).TotalBytes;

        var message = GpuMemoryEstimator.Refusal(Tiny, TinyRecipe(chunk: 6), available, "test");

        Assert.Contains("decodeChunkSize) of 3 or less", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusal_NothingFits_SaysSo()
    {
        var message = GpuMemoryEstimator.Refusal(Tiny, TinyRecipe(), 1024, "test");

        Assert.Contains("No single change fits", message, StringComparison.Ordinal);
    }
}
