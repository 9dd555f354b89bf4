using SvdWeb.Inference.Memory;
using Microsoft.Extensions.Options;
using SvdWeb.Inference.Gpu;
using SvdWeb.Inference.Onnx;
using SvdWeb.Options;
using SvdWeb.Packs;

namespace SvdWeb.Devices;

/// <summary>
/// At startup, says for each configured device where inference will run and why ("CUDA unavailable (libcublasLt.so.13
/// …); running on CPU"), in the log and, through <see cref="PipelineCache.Providers"/>, in the UI's device badge, before
/// any job has loaded a pack. On CUDA it also asks nvidia-smi for the GPU's memory, the limit of the memory guidance
/// (<see cref="GpuMemoryGuard"/>) unless SvdWeb:Inference:GpuMemoryBytes sets one.
/// </summary>
public sealed partial class DeviceProbe(IOptions<SvdWebOptions> options, PipelineCache pipelines, GpuMemoryGuard memory, ILogger<DeviceProbe> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in options.Value.WorkerDevices)
        {
            if (!SvdWebOptionsValidator.TryParseDevice(device, out _)) continue;
            try
            {
                var provider = ExecutionProviders.Probe(pipelines.SettingsFor(device, MemoryOptions.None));
                pipelines.Providers.TryAdd(device, provider);
                Log.Provider(logger, device, provider.ToString(), provider.Reason);
                if (provider is { IsCuda: true, DeviceId: { } id } && options.Value.Inference.GpuMemoryBytes == 0)
                {
                    if (await NvidiaSmi.TotalMemoryBytesAsync(id, cancellationToken).ConfigureAwait(false) is { } total)
                    {
                        memory.ReportDetected(total, device);
                        Log.GpuMemory(logger, device, total / (double)(1L << 30));
                    }
                    else
                    {
                        Log.GpuMemoryUnknown(logger, device);
                    }
                }
            }
            catch (InvalidOperationException ex)
            {
                // Cuda requested but not loadable: the worker's jobs fail with this message; say it now too.
                Log.Unavailable(logger, device, ex.Message);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Device {Device}: ONNX Runtime runs on {Provider}. {Reason}")]
        public static partial void Provider(ILogger logger, string device, string provider, string reason);

        [LoggerMessage(2, LogLevel.Error, "Device {Device} cannot run: {Message}")]
        public static partial void Unavailable(ILogger logger, string device, string message);

        [LoggerMessage(3, LogLevel.Information, "Device {Device} has {GiB:0.0} GiB; recipes estimated to need more are refused before queueing.")]
        public static partial void GpuMemory(ILogger logger, string device, double giB);

        [LoggerMessage(4, LogLevel.Warning, "Device {Device}: nvidia-smi did not report its memory, so no recipe is refused for memory. Set SvdWeb:Inference:GpuMemoryBytes to enable the check.")]
        public static partial void GpuMemoryUnknown(ILogger logger, string device);
    }
}
