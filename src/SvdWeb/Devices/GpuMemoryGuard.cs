using Microsoft.Extensions.Options;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.Options;
using SvdWeb.Packs;

namespace SvdWeb.Devices;

/// <summary>
/// Estimates a recipe's peak GPU memory and refuses, before anything is queued, a recipe that needs more than the GPU
/// has: SvdWeb:Inference:GpuMemoryBytes when set, else what nvidia-smi reported at startup for the CUDA workers (the
/// smallest GPU, since a job may run on any worker). With neither, as on a CPU-only server, nothing is refused.
/// </summary>
public sealed class GpuMemoryGuard(IOptions<SvdWebOptions> options)
{
    private readonly Lock _gate = new();
    private (long Bytes, string Source)? _detected;

    /// <summary>The GPU memory jobs must fit in and where that number comes from, or null when there is no limit.</summary>
    public (long Bytes, string Source)? Available
    {
        get
        {
            var configured = options.Value.Inference.GpuMemoryBytes;
            if (configured > 0) return (configured, "SvdWeb:Inference:GpuMemoryBytes");
            lock (_gate) return _detected;
        }
    }

    /// <summary>Records a CUDA device's memory as nvidia-smi gave it; the smallest device counts.</summary>
    public void ReportDetected(long bytes, string device)
    {
        lock (_gate)
        {
            if (_detected is null || bytes < _detected.Value.Bytes)
                _detected = (bytes, $"{device}'s total memory from nvidia-smi");
        }
    }

    /// <summary>
    /// The memory options a job runs with: the cheapest combination the server allows that fits the GPU
    /// (<see cref="GpuMemoryEstimator.CheapestFit"/>), plus whatever the server turns on always; none beyond those when
    /// no limit is known (a CPU-only server). A job that asked for <paramref name="lowMemory"/> gets every option the
    /// server allows, limit or not.
    /// </summary>
    public MemoryOptions Plan(ModelPack pack, MemoryRecipe recipe, bool lowMemory = false)
    {
        var settings = options.Value.Inference;
        var always = new MemoryOptions(settings.ModelCpuOffload == MemoryOptionMode.Always, settings.ForwardChunking == MemoryOptionMode.Always);
        var allowed = new MemoryOptions(settings.ModelCpuOffload != MemoryOptionMode.Never, settings.ForwardChunking != MemoryOptionMode.Never);
        if (lowMemory) return allowed;
        if (Available is not { } available) return always;
        var fit = GpuMemoryEstimator.CheapestFit(pack, recipe, available.Bytes, settings.MemoryCalibrationFactor, allowed)?.Options ?? MemoryOptions.None;
        return new MemoryOptions(fit.ModelCpuOffload || always.ModelCpuOffload, fit.ForwardChunking || always.ForwardChunking);
    }

    /// <summary>The estimate of the recipe with the options <see cref="Plan"/> picks.</summary>
    public GpuMemoryEstimate Estimate(ModelPack pack, MemoryRecipe recipe, bool lowMemory = false) =>
        GpuMemoryEstimator.Estimate(pack, recipe, options.Value.Inference.MemoryCalibrationFactor, Plan(pack, recipe, lowMemory));

    /// <summary>The refusal message when the recipe does not fit even with every option the server allows, else null
    /// (also when no limit is known).</summary>
    public string? Refusal(ModelPack pack, MemoryRecipe recipe)
    {
        if (Available is not { } available) return null;
        var settings = options.Value.Inference;
        var most = new MemoryOptions(settings.ModelCpuOffload != MemoryOptionMode.Never, settings.ForwardChunking != MemoryOptionMode.Never);
        return GpuMemoryEstimator.Refusal(pack, recipe, available.Bytes, available.Source, settings.MemoryCalibrationFactor, most);
    }

    /// <exception cref="InsufficientGpuMemoryException">The recipe (resolved against the pack) does not fit.</exception>
    public void EnsureFits(ModelPack pack, MemoryRecipe recipe)
    {
        if (Refusal(pack, recipe) is { } refusal) throw new InsufficientGpuMemoryException(refusal);
    }
}
