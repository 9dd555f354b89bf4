using Microsoft.ML.OnnxRuntime;
using SvdWeb.Inference.Loop;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// ONNX Runtime's UNet call, except that the first call naming each graph id (where CUDA would capture) is made on an
/// empty binding, so ONNX Runtime itself fails it, as a capture refused on CUDA would. Records the graph id of every
/// call (null for a plain run).
/// </summary>
internal sealed class FailingCaptureRunner : IUNetGraphRunner
{
    private readonly HashSet<int> _failed = [];

    public List<int?> Calls { get; } = [];

    public void Run(OnnxModel unet, OrtIoBinding binding, int? graphId, CancellationToken ct)
    {
        Calls.Add(graphId);
        if (graphId is { } id && _failed.Add(id))
        {
            using var empty = unet.CreateIoBinding();
            unet.Run(empty, id, ct);
            throw new InvalidOperationException("ONNX Runtime ran a UNet call with no inputs bound.");
        }
        OrtUNetGraphRunner.Instance.Run(unet, binding, graphId, ct);
    }
}
