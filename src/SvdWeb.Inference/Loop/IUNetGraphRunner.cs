using Microsoft.ML.OnnxRuntime;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// The UNet call of the device-resident loop, with a CUDA graph id or without. Production runs
/// <see cref="OrtUNetGraphRunner"/>; the tests put a runner in front of it that makes ONNX Runtime fail a capture, to
/// exercise the fallback on the CPU.
/// </summary>
internal interface IUNetGraphRunner
{
    /// <param name="graphId">The graph to capture or replay, or null for a plain run.</param>
    void Run(OnnxModel unet, OrtIoBinding binding, int? graphId, CancellationToken ct);
}
