namespace SvdWeb.Options;

/// <summary>
/// Section "SvdWeb:Inference": the GPU memory guidance. Before a job is queued, its peak GPU memory is estimated
/// (<see cref="SvdWeb.Inference.Memory.GpuMemoryEstimator"/>) and the job is refused, with what to change, when the
/// device has less. Validated at startup by <see cref="SvdWebOptionsValidator"/>.
/// </summary>
public sealed class InferenceOptions
{
    /// <summary>
    /// Memory of the GPU the jobs run on, in bytes. 0 (the default) means: ask nvidia-smi at startup when a worker runs on
    /// CUDA (the smallest of those GPUs), and refuse nothing when every worker runs on the CPU. Set it to share a GPU
    /// with other work (e.g. 20000000000 for 20 GB of an 80 GB card).
    /// </summary>
    public long GpuMemoryBytes { get; set; }

    /// <summary>
    /// Multiplies every estimate: measured peak ÷ estimate, to calibrate from measured runs on your GPU (svdweb bench
    /// prints the peak). Defaults to 1.0: no calibration run has been possible on the development machines.
    /// </summary>
    public double MemoryCalibrationFactor { get; set; } = 1.0;

    /// <summary>
    /// diffusers' model CPU offload (each network on the GPU only while its stage runs; same frames, one session creation
    /// per network per video). Auto (the default) turns it on for a job only when the job would not fit without it;
    /// Always for every job; Never refuses what does not fit without it. Whether attention is fused is read from each
    /// pack's UNet graph, not set here.
    /// </summary>
    public MemoryOptionMode ModelCpuOffload { get; set; } = MemoryOptionMode.Auto;

    /// <summary>diffusers' forward chunking of the UNet's feed-forward (same frames, some UNet speed); Auto (the default),
    /// Always or Never, as for <see cref="ModelCpuOffload"/>. Auto tries it before offload: it costs less.</summary>
    public MemoryOptionMode ForwardChunking { get; set; } = MemoryOptionMode.Auto;

    /// <summary>
    /// The provider on CUDA devices: Cuda (the default) or TensorRt (opt-in; see <see cref="InferenceProvider.TensorRt"/>).
    /// CPU workers ignore it.
    /// </summary>
    public InferenceProvider Provider { get; set; } = InferenceProvider.Cuda;

    /// <summary>
    /// On CUDA workers (not TensorRT, not a job run with model CPU offload), capture the UNet's call once per run shape
    /// as a CUDA graph and replay it every later step: same frames, less kernel-launch overhead per step. True by
    /// default; false launches every kernel each step. A shape whose capture fails is logged and runs without.
    /// </summary>
    public bool CudaGraphs { get; set; } = true;

    /// <summary>How many run shapes (size, frames, videos, guidance) keep a captured graph and its fixed buffers per
    /// worker, the least recently used dropped first; 1 to 16, default 4 (a lab mostly runs the defaults).</summary>
    public int CudaGraphShapes { get; set; } = 4;
}
