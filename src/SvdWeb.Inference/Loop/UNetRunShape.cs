using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// What a captured CUDA graph of the UNet is valid for: every size and element type of the buffers bound to it and of
/// the loop buffers that stay allocated beside it (Inference README §4.9.1). Two runs with equal keys can replay the
/// same graph on the same buffers; anything else needs its own.
/// </summary>
/// <param name="Videos">V: the latents buffers are [V, F, C, h, w].</param>
/// <param name="UNetBatch">Bu, with the guidance doubling: 2·V with classifier-free guidance, else V.</param>
/// <param name="TimestepCount">Bu, or 1 for a UNet that broadcasts one timestep itself.</param>
internal sealed record UNetRunShape(
    int Videos,
    int UNetBatch,
    int Frames,
    int LatentChannels,
    int LatentHeight,
    int LatentWidth,
    int EmbedDim,
    int TimestepCount,
    TensorElementType SampleType,
    TensorElementType TimestepType,
    TensorElementType EncoderHiddenStatesType,
    TensorElementType AddedTimeIdsType,
    TensorElementType NoisePredType)
{
    public static UNetRunShape Of(DenoisingShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new(shape.Videos, shape.UNetBatch, shape.Frames, shape.LatentChannels, shape.LatentHeight, shape.LatentWidth,
            shape.EmbedDim, shape.TimestepCount, shape.SampleType, shape.TimestepType, shape.EncoderHiddenStatesType,
            shape.AddedTimeIdsType, shape.NoisePredType);
    }

    /// <summary>For log lines: "V=1 Bu=2 F=14 h×w=72×128 P=1024 Float16".</summary>
    public string Describe() =>
        FormattableString.Invariant($"V={Videos} Bu={UNetBatch} F={Frames} C={LatentChannels} h×w={LatentHeight}×{LatentWidth} P={EmbedDim} timesteps={TimestepCount} {SampleType}");
}
