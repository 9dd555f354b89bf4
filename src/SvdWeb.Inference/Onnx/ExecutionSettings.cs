using Microsoft.ML.OnnxRuntime;

namespace SvdWeb.Inference.Onnx;

/// <summary>How sessions are created for a pack.</summary>
/// <param name="Device">Defaults to <see cref="ExecutionDevice.Auto"/>.</param>
/// <param name="CudaDeviceId">CUDA device ordinal. Defaults to 0.</param>
/// <param name="IntraOpNumThreads">CPU threads per operator; 0 lets ONNX Runtime pick (one per physical core). Results are
/// reproducible for a fixed value on the same machine.</param>
/// <param name="GraphOptimizationLevel">Defaults to all optimisations, as the fixtures' ONNX Runtime checks used.</param>
/// <param name="ProfilePrefix">When set, ONNX Runtime writes a JSON profile per model to PREFIX-COMPONENT_*.json (every
/// node's time and tensor shapes; <see cref="OnnxProfile"/> reads them). Costs time; for benchmarks only.</param>
public sealed record ExecutionSettings(
    ExecutionDevice Device = ExecutionDevice.Auto,
    int CudaDeviceId = 0,
    int IntraOpNumThreads = 0,
    GraphOptimizationLevel GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    string? ProfilePrefix = null)
{
    public static ExecutionSettings Default { get; } = new();
}
