using System.Diagnostics;
using System.Globalization;

namespace SvdWeb.Inference.Gpu;

/// <summary>
/// Asks nvidia-smi about a GPU's memory: its total (the device limit for the memory guidance when none is configured)
/// and what is in use (sampled by <c>svdweb bench</c> for the peak a run needed). ONNX Runtime has no query for either.
/// </summary>
public static class NvidiaSmi
{
    /// <summary>Total memory of CUDA device <paramref name="deviceId"/> in bytes, or null when nvidia-smi is missing or says nothing usable.</summary>
    public static async Task<long?> TotalMemoryBytesAsync(int deviceId, CancellationToken ct) =>
        // A total of 0 is no answer (a GPU in a bad state reports it): no limit is better than refusing everything.
        await QueryMiBAsync("memory.total", deviceId, ct).ConfigureAwait(false) is { } mib and > 0 ? mib * 1024 * 1024 : null;

    /// <summary>Memory in use on CUDA device <paramref name="deviceId"/> in MiB (every process, the CUDA context included),
    /// or null when nvidia-smi is missing or says nothing usable.</summary>
    public static Task<long?> UsedMemoryMiBAsync(int deviceId, CancellationToken ct) => QueryMiBAsync("memory.used", deviceId, ct);

    private static async Task<long?> QueryMiBAsync(string field, int deviceId, CancellationToken ct)
    {
        var start = new ProcessStartInfo("nvidia-smi", [$"--query-gpu={field}", "--format=csv,noheader,nounits", "-i", deviceId.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null) return null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            // Both pipes are read at once: a full stderr pipe would otherwise block the tool.
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await Task.WhenAll(output, errors).ConfigureAwait(false);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return process.ExitCode == 0 ? ParseMiB(await output.ConfigureAwait(false)) : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>"81559\n" (MiB, nounits; the first line for the first GPU listed) → 81559; null for anything else.</summary>
    public static long? ParseMiB(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var first = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) && mib >= 0 ? mib : null;
    }
}
