using System.Numerics.Tensors;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference;

/// <summary>Classifier-free guidance with diffusers' per-frame scale (Inference README §4.8, §4.9).</summary>
internal static class Guidance
{
    /// <summary>
    /// noise_pred = uncond + g[f]·(cond − uncond), written into <paramref name="uncond"/>. Both halves are
    /// [videos, frames, C, h, w]; <paramref name="scalePerFrame"/> is linspace(min, max, frames) in the pack dtype.
    /// Three separately rounded operations, as torch does them: a fused multiply-add would round differently; in a
    /// float16 pack each result is rounded to half.
    /// </summary>
    public static void ApplyInPlace(Span<float> uncond, ReadOnlySpan<float> cond, ReadOnlySpan<float> scalePerFrame, int frameSize, Span<float> scratch, bool roundToHalf)
    {
        var frames = scalePerFrame.Length;
        var diff = scratch[..frameSize];
        for (int offset = 0, f = 0; offset < uncond.Length; offset += frameSize, f = (f + 1) % frames)
        {
            var u = uncond.Slice(offset, frameSize);
            TensorPrimitives.Subtract(cond.Slice(offset, frameSize), u, diff);
            if (roundToHalf) OrtTensor.RoundToHalfInPlace(diff);
            TensorPrimitives.Multiply(diff, scalePerFrame[f], diff);
            if (roundToHalf) OrtTensor.RoundToHalfInPlace(diff);
            TensorPrimitives.Add(u, diff, u);
            if (roundToHalf) OrtTensor.RoundToHalfInPlace(u);
        }
    }
}
