using Microsoft.Extensions.Options;
using SvdWeb.Inference.Onnx;
using SvdWeb.Options;

namespace SvdWeb.Models;

/// <summary>
/// At startup, says for each configured device where inference will run and why ("CUDA unavailable (libcublasLt.so.13
/// …); running on CPU"), in the log and, through <see cref="PipelineCache.Providers"/>, in the UI's device badge, before
/// any job has loaded a pack.
/// </summary>
public sealed partial class DeviceProbe(IOptions<SvdWebOptions> options, PipelineCache pipelines, ILogger<DeviceProbe> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var device in options.Value.WorkerDevices)
        {
            if (!SvdWebOptionsValidator.TryParseDevice(device, out var settings)) continue;
            try
            {
                var provider = ExecutionProviders.Probe(settings);
                pipelines.Providers.TryAdd(device, provider);
                Log.Provider(logger, device, provider.ToString(), provider.Reason);
            }
            catch (InvalidOperationException ex)
            {
                // Cuda requested but not loadable: the worker's jobs fail with this message; say it now too.
                Log.Unavailable(logger, device, ex.Message);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Device {Device}: ONNX Runtime runs on {Provider}. {Reason}")]
        public static partial void Provider(ILogger logger, string device, string provider, string reason);

        [LoggerMessage(2, LogLevel.Error, "Device {Device} cannot run: {Message}")]
        public static partial void Unavailable(ILogger logger, string device, string message);
    }
}
