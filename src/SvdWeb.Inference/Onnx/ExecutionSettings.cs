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
/// <param name="CpuFusedAttention">On the CPU provider, run a fused pack's MultiHeadAttention nodes with ONNX Runtime's own CPU
/// kernel (flash attention in float32: far less memory at large sizes) instead of decomposing them into the traced
/// operators (the default, which gives the unfused graph's bits and the golden tolerances; float16 graphs need it, as
/// the CPU kernel is float32 only). Ignored on CUDA, where the fused kernels always run.</param>
/// <param name="Memory">Model CPU offload and forward chunking (<see cref="Inference.Memory.MemoryOptions"/>); none unless set.</param>
/// <param name="TensorRt">When set, sessions on a CUDA device run through the TensorRT provider (with CUDA for what it
/// cannot take); loading fails, naming the missing library, when TensorRT is not installed. Ignored on CPU.</param>
/// <param name="CudaGraphs">On the CUDA provider (not TensorRT, not with model CPU offload), capture the UNet's call once per
/// run shape as a CUDA graph and replay it every later step (defaults to true; Inference README §4.9.1). Same frames;
/// a shape whose capture fails runs without. Ignored elsewhere.</param>
/// <param name="CudaGraphShapes">How many run shapes keep a captured graph and its fixed buffers, the least recently used
/// dropped first; 1 to <see cref="MaxCudaGraphShapes"/>, default 4.</param>
public sealed record ExecutionSettings(
    ExecutionDevice Device = ExecutionDevice.Auto,
    int CudaDeviceId = 0,
    int IntraOpNumThreads = 0,
    GraphOptimizationLevel GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    string? ProfilePrefix = null,
    bool DeviceResidentLoop = true,
    CudaTuning? Cuda = null,
    Inference.Memory.MemoryOptions? Memory = null,
    bool CpuFusedAttention = false,
    TensorRtSettings? TensorRt = null,
    bool CudaGraphs = true,
    int CudaGraphShapes = 4)
{
    public const int MaxCudaGraphShapes = 16;

    /// <summary>
    /// Tests only: run the captured-graph path (fixed buffers per shape, graph ids in the run options) on the CPU
    /// provider too, where ONNX Runtime ignores the ids; everything but the CUDA option itself is then exercised.
    /// </summary>
    internal bool GraphPathOnCpu { get; init; }

    /// <summary>The memory options; <see cref="Inference.Memory.MemoryOptions.None"/> unless set.</summary>
    public Inference.Memory.MemoryOptions MemoryOptions => Memory ?? Inference.Memory.MemoryOptions.None;

    /// <summary>CUDA provider options; <see cref="CudaTuning.Default"/> unless set.</summary>
    public CudaTuning CudaOptions => Cuda ?? CudaTuning.Default;

    public static ExecutionSettings Default { get; } = new();
}
