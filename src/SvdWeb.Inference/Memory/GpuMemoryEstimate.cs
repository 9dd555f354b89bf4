using System.Globalization;

namespace SvdWeb.Inference.Memory;

/// <summary>
/// Peak GPU memory of one run, by term (<see cref="GpuMemoryEstimator"/> gives the formulas), in bytes. The terms add up
/// because each ONNX Runtime session keeps its own CUDA arena, which holds its peak until the session is disposed.
/// </summary>
/// <param name="WeightBytes">The four graphs' files: model.onnx plus external data.</param>
/// <param name="EncodeBytes">The VAE encoder's largest activations (one image, full resolution).</param>
/// <param name="UNetBytes">The UNet's inputs and outputs, skip connections and its heaviest layer's working set.</param>
/// <param name="DecodeBytes">The VAE decoder's activations for one chunk of frames.</param>
/// <param name="RuntimeBytes">CUDA context, cuDNN/cuBLAS workspaces and ONNX Runtime's own buffers: a fixed allowance.</param>
/// <param name="Calibration">Measured peak ÷ estimate on your GPU (SvdWeb:Inference:MemoryCalibrationFactor); multiplies the sum.</param>
/// <param name="DecodeFrames">Frames per decoder call, for the description.</param>
/// <param name="Options">The memory options the estimate assumes.</param>
/// <param name="OffloadPeakBytes">With model CPU offload: the heaviest stage, its network's weights plus its activations
/// (only one network is on the device at a time); 0 without.</param>
public sealed record GpuMemoryEstimate(long WeightBytes, long EncodeBytes, long UNetBytes, long DecodeBytes, long RuntimeBytes, double Calibration,
    int DecodeFrames, MemoryOptions? Options = null, long OffloadPeakBytes = 0)
{
    private MemoryOptions Assumed => Options ?? MemoryOptions.None;

    // Rounded up: an estimate of memory that must fit never drops a byte.
    public long TotalBytes => (long)Math.Ceiling((double)((Assumed.ModelCpuOffload
        ? OffloadPeakBytes
        : WeightBytes + EncodeBytes + UNetBytes + DecodeBytes) + RuntimeBytes) * Calibration);

    /// <summary>"15.1 GiB (weights 4.3 GiB, UNet 6.5 GiB, VAE encode 1.1 GiB, decode 2.3 GiB for 2 frames at once, runtime 1.0 GiB)";
    /// with memory options, what they do to it, e.g. "…, model CPU offload: heaviest stage 5.2 GiB".</summary>
    public string Describe() => Describe(null);

    /// <summary>As <see cref="Describe()"/>, with the total given as precisely as it takes to read differently from
    /// <paramref name="comparedWith"/> bytes (<see cref="Contrast"/>), so "needs 1.23 GiB, has 1.22 GiB" never reads as equal.</summary>
    public string Describe(long? comparedWith)
    {
        var total = comparedWith is { } other ? Contrast(TotalBytes, other).First : Gib(TotalBytes) + " GiB";
        var calibration = Calibration == 1.0 ? "" : string.Create(CultureInfo.InvariantCulture, $", × {Calibration:0.##} calibration");
        var offload = Assumed.ModelCpuOffload ? $", model CPU offload: one network at a time, heaviest stage {Size(OffloadPeakBytes)}" : "";
        var chunking = Assumed.ForwardChunking ? ", forward chunking" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{total} (weights {Size(WeightBytes)}, UNet {Size(UNetBytes)}, VAE encode {Size(EncodeBytes)}, decode {Size(DecodeBytes)} for {DecodeFrames} frame{(DecodeFrames == 1 ? "" : "s")} at once, runtime {Size(RuntimeBytes)}{offload}{chunking}{calibration})");
    }

    /// <summary>A part of the estimate with its unit: "6.1 GiB", or "12 MiB" under 1 GiB, so small parts do not read as 0.00.</summary>
    public static string Size(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(bytes / (double)(1L << 20)):0} MiB");

    /// <summary>
    /// Two sizes written so that they differ when the bytes do: GiB with as many decimals as <see cref="Gib"/> uses and
    /// more, up to three, until the figures differ; MiB, then bytes, when even that rounds them alike. With units.
    /// </summary>
    public static (string First, string Second) Contrast(long first, long second)
    {
        var decimals = Gib(Math.Min(first, second)).Split('.')[1].Length;
        for (; decimals <= 3; decimals++)
        {
            var format = "0." + new string('0', decimals);
            var (a, b) = (Format(first / (double)(1L << 30), format), Format(second / (double)(1L << 30), format));
            if (a != b || first == second) return (a + " GiB", b + " GiB");
        }
        var (mibA, mibB) = (Format(first / (double)(1L << 20), "0.0"), Format(second / (double)(1L << 20), "0.0"));
        return mibA != mibB ? (mibA + " MiB", mibB + " MiB") : (Format(first, "N0") + " bytes", Format(second, "N0") + " bytes");
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Bytes as GiB with one decimal, e.g. "15.1"; two decimals under 1 GiB so tiny packs do not read as 0.0.</summary>
    public static string Gib(long bytes)
    {
        var gib = bytes / (double)(1L << 30);
        return gib.ToString(gib < 1 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
    }
}
