using System.Diagnostics;
using System.Globalization;

namespace SvdWeb.Models;

/// <summary>Asks nvidia-smi for a GPU's total memory: the device limit for the memory guidance when none is configured.</summary>
internal static class NvidiaSmi
{
    /// <summary>Total memory of CUDA device <paramref name="deviceId"/> in bytes, or null when nvidia-smi is missing or says nothing usable.</summary>
    public static async Task<long?> TotalMemoryBytesAsync(int deviceId, CancellationToken ct)
    {
        var start = new ProcessStartInfo("nvidia-smi", ["--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", deviceId.ToString(CultureInfo.InvariantCulture)])
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
            // Both pipes are read at once: a full stderr pipe would otherwise block the tool (jellyfin's EncoderValidator).
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

    /// <summary>"81559\n" (MiB, nounits) → bytes; null for anything else.</summary>
    internal static long? ParseMiB(string output)
    {
        var first = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mib) && mib > 0 ? mib * 1024 * 1024 : null;
    }
}
