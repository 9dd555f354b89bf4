using System.Globalization;
using SvdWeb.Inference.Models;

namespace SvdWeb.Inference.Memory;

/// <summary>
/// An analytic estimate of a run's peak GPU memory, from the pack's files and configs and the recipe: weights, plus the
/// activations of the VAE encoder, the UNet and the VAE decoder (per chunk), plus a fixed runtime allowance, times a
/// calibration factor. It is a model, not a measurement: no calibration run has been possible on the development
/// machines, so the factor defaults to 1.0 and is meant to be set from a measured run (svdweb bench reports the peak).
/// </summary>
/// <remarks>
/// <para>Notation: e = bytes per element of the graph's weight type (2 for float16, 4 for float32); Bu = the UNet batch
/// (2·videos with guidance); F = frames; N = Bu·F, the batch the UNet's layers see (frames are folded into the batch,
/// Inference README §3.2); h = H/8, w = W/8; block i of the UNet has C_i = block_out_channels[i] channels, heads_i
/// attention heads and s_i = ⌈h/2^i⌉·⌈w/2^i⌉ spatial tokens.</para>
/// <para>UNet = N·(in + out channels)·h·w·e (sample and out_sample)
///   + N·e·Σ_i (layers_per_block + 1)·C_i·s_i (skip connections kept for the up path: each resnet's output and the
///     downsampler's; counting the downsampler at block i's size over-counts a little, on the safe side)
///   + max_i work_i, where work_i = 18·C_i·s_i·N·e for a block with attention (its transformer's feed-forward: the
///     input and its norm, C each; GEGLU's projection, 2·4·C; gelu of the gate and the product, 4·C each) and
///     6·C_i·s_i·N·e without (a resnet: input, norm, activation, convolution, temporal mix).
///   With materialised attention (an export without fused attention, whose MatMul→Softmax→MatMul keeps the scores),
///   work_i adds the scores and their softmax: 2·N·heads_i·s_i²·e for spatial attention (s_i tokens per frame) and
///   2·Bu·s_i·heads_i·F²·e for temporal attention (F tokens per position). With fused or memory-efficient attention
///   (diffusers' SDPA, ONNX Runtime's fused MultiHeadAttention on CUDA) the scores never exist whole. Whether a pack's
///   attention is materialised is read from its UNet graph (<see cref="ModelPack.MaterializedAttention"/>).</para>
/// <para>Forward chunking (<see cref="MemoryOptions.ForwardChunking"/>): the feed-forward's 16·C transient (GEGLU's
///   projection and gelu) exists for one slice at a time, the largest being a temporal block's [Bu·s_i, C] slice, so a
///   block with attention works in (6·C_i·s_i·N + 16·C_i·s_i·Bu)·e: its resnet's or attention's 6·C over the whole
///   batch, plus one slice of feed-forward.</para>
/// <para>Model CPU offload (<see cref="MemoryOptions.ModelCpuOffload"/>): one network is on the device at a time and its
///   session (with its arena) is gone after its stage, so the peak is the heaviest stage: max(image encoder weights,
///   VAE encoder weights + encode, UNet weights + UNet, VAE decoder weights + decode), plus the runtime allowance.</para>
/// <para>VAE encode = 4·C_0·H·W·e (one image through the first, full-resolution encoder block: input, norm, activation,
/// convolution; C_0 = vae block_out_channels[0]).</para>
/// <para>Decode = chunk·H·W·e·(2·C_1 + 4·C_0): the decoder's last up block runs at full resolution on the upsampled
/// C_1 channels (input and its norm) into C_0 (convolution, temporal branch, mix, output).</para>
/// <para>Sanity check against published figures, not a measurement of ours: diffusers reports SVD-XT in float16, 25
/// frames at 576×1024, fits in roughly 14–18 GB with a small decode_chunk_size and needs tens of GB when all frames
/// are decoded at once. With the real configs and file sizes this model gives about 15 GiB at a chunk of 2 and about
/// 41 GiB at 25 (GpuMemoryEstimatorTests checks both against the published ranges).</para>
/// </remarks>
public static class GpuMemoryEstimator
{
    /// <summary>CUDA context, cuDNN/cuBLAS workspaces and ONNX Runtime's own buffers: a fixed allowance of 1 GiB.</summary>
    public const long RuntimeBytes = 1L << 30;

    /// <summary>The estimate for a pack, whose UNet graph says whether attention is materialised.</summary>
    public static GpuMemoryEstimate Estimate(ModelPack pack, MemoryRecipe recipe, double calibration = 1.0, MemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return Estimate(pack.UNet, pack.Vae, pack.WeightBytes, pack.WeightTypes, recipe, calibration, pack.MaterializedAttention, options);
    }

    public static GpuMemoryEstimate Estimate(UNetConfig unet, VaeConfig vae, IReadOnlyDictionary<PackComponent, long> weightBytes,
        IReadOnlyDictionary<PackComponent, string> weightTypes, MemoryRecipe recipe, double calibration = 1.0, bool materializedAttention = false,
        MemoryOptions? options = null)
    {
        options ??= MemoryOptions.None;
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(vae);
        ArgumentNullException.ThrowIfNull(weightBytes);
        ArgumentNullException.ThrowIfNull(weightTypes);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(calibration);

        double h = Math.Ceiling(recipe.Height / (double)vae.ScaleFactor), w = Math.Ceiling(recipe.Width / (double)vae.ScaleFactor);
        double pixels = (double)recipe.Height * recipe.Width;
        double bu = recipe.UNetBatch, n = bu * recipe.Frames;
        var eUNet = ElementBytes(weightTypes, PackComponent.UNet);

        // sample [Bu,F,in,h,w] and out_sample [Bu,F,out,h,w].
        var unetBytes = n * (unet.InChannels + unet.OutChannels) * h * w * eUNet;
        double heaviest = 0;
        for (var i = 0; i < unet.BlockOutChannels.Count; i++)
        {
            double c = unet.BlockOutChannels[i];
            var s = Math.Ceiling(h / (1 << i)) * Math.Ceiling(w / (1 << i));
            unetBytes += (unet.LayersPerBlock + 1) * c * s * n * eUNet;
            var attention = unet.HasAttention(i);
            var work = !attention ? 6 * c * s * n * eUNet
                : options.ForwardChunking ? (6 * c * s * n + 16 * c * s * bu) * eUNet
                : 18 * c * s * n * eUNet;
            if (attention && materializedAttention)
            {
                double heads = unet.HeadsAt(i), frames = recipe.Frames;
                work += 2 * n * heads * s * s * eUNet + 2 * bu * s * heads * frames * frames * eUNet;
            }
            heaviest = Math.Max(heaviest, work);
        }
        unetBytes += heaviest;

        double c0 = vae.BlockOutChannels[0], c1 = vae.BlockOutChannels[Math.Min(1, vae.BlockOutChannels.Count - 1)];
        var encodeBytes = 4 * c0 * pixels * ElementBytes(weightTypes, PackComponent.VaeEncoder);
        var decodeBytes = recipe.DecodeFrames * pixels * ElementBytes(weightTypes, PackComponent.VaeDecoder) * (2 * c1 + 4 * c0);

        long Weights(PackComponent c) => weightBytes.GetValueOrDefault(c);
        var offloadPeak = new[]
        {
            Weights(PackComponent.ImageEncoder),
            Weights(PackComponent.VaeEncoder) + Bytes(encodeBytes),
            Weights(PackComponent.UNet) + Bytes(unetBytes),
            Weights(PackComponent.VaeDecoder) + Bytes(decodeBytes),
        }.Max();
        return new GpuMemoryEstimate(weightBytes.Values.Sum(), Bytes(encodeBytes), Bytes(unetBytes), Bytes(decodeBytes), RuntimeBytes, calibration,
            recipe.DecodeFrames, options, options.ModelCpuOffload ? offloadPeak : 0);
    }

    /// <summary>
    /// The cheapest memory options within <paramref name="allowed"/> under which the recipe fits: none; else forward
    /// chunking (a little UNet speed); else model CPU offload (a session creation per network per video); else both.
    /// Null when nothing fits (<see cref="Refusal"/> then says what would).
    /// </summary>
    public static GpuMemoryEstimate? CheapestFit(ModelPack pack, MemoryRecipe recipe, long availableBytes, double calibration, MemoryOptions allowed)
    {
        ArgumentNullException.ThrowIfNull(pack);
        ArgumentNullException.ThrowIfNull(allowed);
        MemoryOptions[] byCost = [MemoryOptions.None, new(ForwardChunking: true), new(ModelCpuOffload: true), new(true, true)];
        return byCost
            .Where(o => (!o.ForwardChunking || allowed.ForwardChunking) && (!o.ModelCpuOffload || allowed.ModelCpuOffload))
            .Select(o => Estimate(pack, recipe, calibration, o))
            .FirstOrDefault(e => e.TotalBytes <= availableBytes);
    }

    /// <summary>
    /// Null when the estimate fits in <paramref name="availableBytes"/>; else a refusal that gives the estimate and the
    /// single changes that would fit, searched with the same model: the largest decode chunk, the most frames, the
    /// largest size at the same aspect ratio (sides kept to the pack's multiple).
    /// </summary>
    /// <param name="pack">The pack.</param>
    /// <param name="recipe">The recipe, resolved against the pack.</param>
    /// <param name="availableBytes">The GPU's memory.</param>
    /// <param name="availableSource">Where that figure comes from, for the message.</param>
    /// <param name="calibration">Measured peak ÷ estimate.</param>
    /// <param name="options">The memory options the run would use (the most a job may turn on), which the estimate and
    /// every suggested change assume.</param>
    public static string? Refusal(ModelPack pack, MemoryRecipe recipe, long availableBytes, string availableSource, double calibration = 1.0, MemoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        ArgumentNullException.ThrowIfNull(recipe);
        var estimate = Estimate(pack, recipe, calibration, options);
        if (estimate.TotalBytes <= availableBytes)
            return null;
        bool Fits(MemoryRecipe changed) => Estimate(pack, changed, calibration, options).TotalBytes <= availableBytes;

        var fixes = new List<string>();
        for (var chunk = recipe.DecodeFrames - 1; chunk >= 1; chunk--)
        {
            if (!Fits(recipe with { DecodeChunkSize = chunk })) continue;
            fixes.Add(Invariant($"a decode chunk (decodeChunkSize) of {chunk} or less: fewer frames decoded at once, which changes the video slightly"));
            break;
        }
        for (var frames = recipe.Frames - 1; frames >= 1; frames--)
        {
            if (!Fits(recipe with { Frames = frames, DecodeChunkSize = Math.Min(recipe.DecodeChunkSize, frames) })) continue;
            fixes.Add(Invariant($"{frames} frames (numFrames) or fewer"));
            break;
        }
        var multiple = SvdParameterLimits.SideMultiple(pack);
        for (var scale = 0.9; scale > 0; scale -= 0.05)
        {
            int height = (int)(recipe.Height * scale) / multiple * multiple, width = (int)(recipe.Width * scale) / multiple * multiple;
            if (height < Math.Max(multiple, SvdParameterLimits.MinSide) || width < Math.Max(multiple, SvdParameterLimits.MinSide)) break;
            if (!Fits(recipe with { Height = height, Width = width })) continue;
            fixes.Add(Invariant($"a smaller size, {width}×{height} (width × height) or less"));
            break;
        }
        if (recipe.Videos > 1 && Fits(recipe with { Videos = 1, DecodeChunkSize = Math.Min(recipe.DecodeChunkSize, recipe.Frames) }))
            fixes.Add("one video per request (numVideosPerPrompt 1)");
        var advice = fixes.Count > 0
            ? "Any one of these fits: " + string.Join("; or ", fixes) + "."
            : "No single change fits: combine fewer frames, a decode chunk of 1 and a smaller size, or use a GPU with more memory.";
        var attention = pack.MaterializedAttention ? " " + pack.AttentionWarning : "";
        // Figures that would round alike ("1.2 GiB … has 1.2 GiB") are written with the decimals that tell them apart,
        // and the gap is said in MiB.
        var shortBy = GpuMemoryEstimate.Gib(estimate.TotalBytes) == GpuMemoryEstimate.Gib(availableBytes)
            ? Invariant($" That is {Math.Ceiling((estimate.TotalBytes - availableBytes) / 1048576.0):0} MiB too much.")
            : "";
        var has = GpuMemoryEstimate.Contrast(estimate.TotalBytes, availableBytes).Second;
        return Invariant($"This recipe needs about {estimate.Describe(availableBytes)} of GPU memory, but the GPU has {has} ({availableSource}).{shortBy} {advice}{attention}");
    }

    /// <summary>Bytes per activation element: activations take the graph's weight type.</summary>
    private static int ElementBytes(IReadOnlyDictionary<PackComponent, string> weightTypes, PackComponent component) =>
        weightTypes.TryGetValue(component, out var type) && type is "float16" or "bfloat16" ? 2 : 4;

    private static long Bytes(double value) => value >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(value);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
