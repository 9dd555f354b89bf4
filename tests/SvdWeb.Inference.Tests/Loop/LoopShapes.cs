using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Loop;

namespace SvdWeb.Inference.Tests.Loop;

/// <summary>Small run shapes of the tiny pack's kind (float32, CFG, 8×16 latents) for the captured-shape tests.</summary>
internal static class LoopShapes
{
    public static DenoisingShape Denoising(int frames = 2, int videos = 1, bool guidance = true, int height = 8, int width = 16, bool preview = false) =>
        new(videos, guidance ? 2 * videos : videos, frames, 4, height, width, TensorElementType.Float, TensorElementType.Float,
            guidance ? 2 * videos : videos, TensorElementType.Float, VPrediction: true, Preview: preview, EmbedDim: 32,
            TensorElementType.Float, TensorElementType.Float);

    public static UNetRunShape Run(int frames = 2) => UNetRunShape.Of(Denoising(frames));
}
