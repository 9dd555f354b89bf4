using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// Everything the device-resident loop's graphs depend on: one pair of graphs per distinct value, cached by the pipeline.
/// </summary>
/// <param name="Videos">V: latents are [V, F, C, h, w].</param>
/// <param name="UNetBatch">Bu: 2·V with classifier-free guidance (unconditional rows first), else V.</param>
/// <param name="SampleType">The UNet's <c>sample</c> element type, the pack dtype: float16 means every glue result is
/// rounded to half where diffusers' float16 tensors are.</param>
/// <param name="TimestepType">The UNet's <c>timestep</c> element type.</param>
/// <param name="TimestepCount">Bu, or 1 for a graph that broadcasts one timestep itself.</param>
/// <param name="NoisePredType">The UNet's output element type.</param>
/// <param name="VPrediction">The scheduler's prediction type: v_prediction, or epsilon.</param>
/// <param name="Preview">Also output the first frame's denoised estimate every step (for progress pictures).</param>
/// <param name="EmbedDim">P: <c>encoder_hidden_states</c> is [Bu, 1, P].</param>
/// <param name="EncoderHiddenStatesType">The UNet's <c>encoder_hidden_states</c> element type.</param>
/// <param name="AddedTimeIdsType">The UNet's <c>added_time_ids</c> element type.</param>
internal sealed record DenoisingShape(
    int Videos,
    int UNetBatch,
    int Frames,
    int LatentChannels,
    int LatentHeight,
    int LatentWidth,
    TensorElementType SampleType,
    TensorElementType TimestepType,
    int TimestepCount,
    TensorElementType NoisePredType,
    bool VPrediction,
    bool Preview,
    int EmbedDim,
    TensorElementType EncoderHiddenStatesType,
    TensorElementType AddedTimeIdsType)
{
    public bool Guidance => UNetBatch != Videos;

    public bool IsHalf => SampleType == TensorElementType.Float16;

    /// <summary>[V, F, C, h, w]</summary>
    public long[] Latents => [Videos, Frames, LatentChannels, LatentHeight, LatentWidth];

    /// <summary>[Bu, F, C, h, w]: the UNet's output, and the image-latent half of its input.</summary>
    public long[] Batch => [UNetBatch, Frames, LatentChannels, LatentHeight, LatentWidth];

    /// <summary>[Bu, F, 2C, h, w]: the UNet's <c>sample</c>, noisy latents in channels 0..C−1, image latents after.</summary>
    public long[] Sample => [UNetBatch, Frames, 2 * LatentChannels, LatentHeight, LatentWidth];

    /// <summary>[Bu, 1, P]</summary>
    public long[] EncoderHiddenStates => [UNetBatch, 1, EmbedDim];

    /// <summary>[Bu, 3]</summary>
    public long[] AddedTimeIds => [UNetBatch, 3];

    /// <summary>[1, 1, C, h, w]: the first frame of the first video.</summary>
    public long[] FirstFrame => [1, 1, LatentChannels, LatentHeight, LatentWidth];

    /// <summary>Channels 0..C−1 (the scaled latents) or C..2C−1 (the image latents) of each of the
    /// <paramref name="frameBlocks"/> (Bu·F) frames of a [Bu, F, 2C, h, w] sample, as a new [Bu, F, C, h, w] tensor.</summary>
    public static float[] Channels(ReadOnlySpan<float> sample, int frameBlocks, int frameSize, bool imageLatents)
    {
        var result = new float[frameBlocks * frameSize];
        for (var k = 0; k < frameBlocks; k++)
            sample.Slice((2 * k + (imageLatents ? 1 : 0)) * frameSize, frameSize).CopyTo(result.AsSpan(k * frameSize));
        return result;
    }
}
