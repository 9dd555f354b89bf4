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
    /// True when the packs' UNets were exported without fused attention and their attention scores are materialised in
    /// full (much more memory at large sizes). Defaults to false: fused or memory-efficient attention, as diffusers runs it.
    /// </summary>
    public bool MaterializedAttention { get; set; }
}
