using Microsoft.ML.OnnxRuntime;

namespace SvdWeb.Inference.Onnx;

/// <summary>How sessions are created for a pack.</summary>
/// <param name="Device">Defaults to <see cref="ExecutionDevice.Auto"/>.</param>
/// <param name="CudaDeviceId">CUDA device ordinal. Defaults to 0.</param>
/// <param name="IntraOpNumThreads">CPU threads per operator; 0 lets ONNX Runtime pick (one per physical core). Results are
/// reproducible for a fixed value on the same machine.</param>
/// <param name="GraphOptimizationLevel">Defaults to all optimisations, as the fixtures' ONNX Runtime checks used.</param>
public sealed record ExecutionSettings(
    ExecutionDevice Device = ExecutionDevice.Auto,
    int CudaDeviceId = 0,
    int IntraOpNumThreads = 0,
    GraphOptimizationLevel GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL)
{
    public static ExecutionSettings Default { get; } = new();
}
