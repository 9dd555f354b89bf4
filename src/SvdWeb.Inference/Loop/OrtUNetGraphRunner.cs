using Microsoft.ML.OnnxRuntime;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Loop;

/// <summary>Runs the UNet through ONNX Runtime as asked: graph <c>graphId</c>, or the session's plain run.</summary>
internal sealed class OrtUNetGraphRunner : IUNetGraphRunner
{
    public static OrtUNetGraphRunner Instance { get; } = new();

    public void Run(OnnxModel unet, OrtIoBinding binding, int? graphId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(unet);
        if (graphId is { } id) unet.Run(binding, id, ct);
        else unet.Run(binding, ct);
    }
}
