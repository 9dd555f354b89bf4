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
/// <param name="DeviceResidentLoop">Run the denoising loop's glue (guidance, Euler step, scaling) as ONNX graphs on the
/// UNet's device with I/O binding, so latents stay there between steps (defaults to true). False runs it on the host
/// with the UNet's tensors copied in and out every step; both give the same frames. A run with a
/// <see cref="SvdRunOptions.Observer"/> always uses the host loop, which can show every intermediate tensor.</param>
/// <param name="Cuda">CUDA provider options (cuDNN algorithm search, arena growth); ignored on CPU.</param>
public sealed record ExecutionSettings(
    ExecutionDevice Device = ExecutionDevice.Auto,
    int CudaDeviceId = 0,
    int IntraOpNumThreads = 0,
    GraphOptimizationLevel GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    string? ProfilePrefix = null,
    bool DeviceResidentLoop = true,
    CudaTuning? Cuda = null)
{
    /// <summary>CUDA provider options; <see cref="CudaTuning.Default"/> unless set.</summary>
    public CudaTuning CudaOptions => Cuda ?? CudaTuning.Default;

    public static ExecutionSettings Default { get; } = new();
}
