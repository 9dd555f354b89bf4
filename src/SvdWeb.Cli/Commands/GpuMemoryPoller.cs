using SvdWeb.Inference.Gpu;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// Samples the device's used memory with nvidia-smi every 100 ms while a benchmark runs. ONNX Runtime's CUDA arena
/// keeps what it allocated, so the peak of "used" is the peak the run needed (plus whatever else the GPU holds).
/// </summary>
internal sealed class GpuMemoryPoller : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak = -1;

    private GpuMemoryPoller(int deviceId) => _loop = Task.Run(() => PollAsync(deviceId, _stop.Token));

    /// <summary>The highest used memory seen, in MiB; null when nvidia-smi could not be run.</summary>
    public long? PeakMiB => Interlocked.Read(ref _peak) is var peak && peak >= 0 ? peak : null;

    public static GpuMemoryPoller Start(int deviceId) => new(deviceId);

    private async Task PollAsync(int deviceId, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await NvidiaSmi.UsedMemoryMiBAsync(deviceId, ct).ConfigureAwait(false) is not { } used) return;
            long current;
            while ((current = Interlocked.Read(ref _peak)) < used && Interlocked.CompareExchange(ref _peak, used, current) != current) { }
            try
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped while sampling.
        }
        _stop.Dispose();
    }
}
