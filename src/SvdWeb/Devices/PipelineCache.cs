using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SvdWeb.Inference;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Options;
using SvdWeb.Storage;
using SvdWeb.Packs;

namespace SvdWeb.Devices;

/// <summary>
/// One loaded <see cref="SvdPipeline"/> per (pack, device), created on first use and kept: creating sessions for the
/// real UNet takes seconds and its weights gigabytes. A job that needs other memory options (model CPU offload,
/// forward chunking) replaces the pack's pipeline on that device, so one device never holds the same weights twice. A pack whose folder changed is reloaded on next use, and
/// <see cref="Evict"/> drops a removed or changed pack's sessions; either way sessions still running a job are
/// disposed only when that job ends (<see cref="PipelineLease"/>).
/// </summary>
public sealed partial class PipelineCache(IOptions<SvdWebOptions> options, MediaStore media, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<(string Folder, string Device, MemoryOptions Memory), Lazy<Task<CachedPipeline>>> _pipelines = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<PipelineCache>();

    /// <summary>The provider of the last pipeline loaded per device ("auto", "cuda:0", …), for the UI's device badge.</summary>
    public ConcurrentDictionary<string, ExecutionProviderInfo> Providers { get; } = new(StringComparer.Ordinal);

    /// <summary>The pack's pipeline on that device without memory options, held until the lease is disposed.</summary>
    public Task<PipelineLease> GetAsync(ModelPack pack, string device, CancellationToken ct) => GetAsync(pack, device, MemoryOptions.None, ct);

    /// <summary>Whether <see cref="GetAsync(ModelPack, string, MemoryOptions, CancellationToken)"/> would hand out an
    /// already loaded pipeline, without loading one: false means the caller is about to wait for a load.</summary>
    public bool IsLoaded(ModelPack pack, string device, MemoryOptions memory)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return _pipelines.TryGetValue((pack.Folder, device, memory), out var lazy)
            && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result.Pack, pack);
    }

    /// <summary>The pack's pipeline on that device with those memory options, held for the caller until the lease is
    /// disposed. A pipeline of the same pack and device with other options is retired (after any job using it).</summary>
    public async Task<PipelineLease> GetAsync(ModelPack pack, string device, MemoryOptions memory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pack);
        ArgumentNullException.ThrowIfNull(memory);
        var key = (pack.Folder, device, memory);
        foreach (var other in _pipelines.Where(p => p.Key.Folder == pack.Folder && p.Key.Device == device && p.Key.Memory != memory).ToArray())
        {
            if (_pipelines.TryRemove(other)) RetireWhenLoaded(other.Value);
        }
        while (true)
        {
            var lazy = _pipelines.GetOrAdd(key, _ => new Lazy<Task<CachedPipeline>>(() => LoadAsync(pack, device, memory)));
            CachedPipeline loaded;
            try
            {
                loaded = await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (lazy.Value.IsFaulted)
            {
                _pipelines.TryRemove(new KeyValuePair<(string, string, MemoryOptions), Lazy<Task<CachedPipeline>>>(key, lazy));
                throw;
            }
            // PackCatalog hands out a new ModelPack only when the folder changed on disk: drop the stale sessions. A
            // retired entry (evicted meanwhile) is already out of the dictionary; the next round loads afresh.
            if (ReferenceEquals(loaded.Pack, pack) && loaded.TryAcquire())
                return new PipelineLease(loaded);
            if (_pipelines.TryRemove(new KeyValuePair<(string, string, MemoryOptions), Lazy<Task<CachedPipeline>>>(key, lazy)))
                loaded.Retire();
        }
    }

    /// <summary>Drops every loaded pipeline of the pack folder; returns how many were dropped.</summary>
    public int Evict(string folder)
    {
        var evicted = 0;
        foreach (var entry in _pipelines.Where(p => string.Equals(p.Key.Folder, folder, StringComparison.Ordinal)).ToArray())
        {
            if (!_pipelines.TryRemove(entry)) continue;
            evicted++;
            RetireWhenLoaded(entry.Value);
            Log.Evicted(_logger, Path.GetFileName(folder), entry.Key.Device);
        }
        return evicted;
    }

    private static void RetireWhenLoaded(Lazy<Task<CachedPipeline>> entry)
    {
        if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
        {
            entry.Value.Result.Retire();
        }
        else if (entry.IsValueCreated)
        {
            // Still loading: retire it once loaded, so its sessions do not leak.
            _ = entry.Value.ContinueWith(t => t.Result.Retire(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    /// <summary>Where a loaded pipeline of this pack runs, or null while none is loaded.</summary>
    public ExecutionProviderInfo? LoadedProvider(ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return _pipelines
            .Where(p => p.Key.Folder == pack.Folder && p.Value.IsValueCreated && p.Value.Value.IsCompletedSuccessfully)
            .Select(p => p.Value.Value.Result.Pipeline.Provider)
            .FirstOrDefault();
    }

    private Task<CachedPipeline> LoadAsync(ModelPack pack, string device, MemoryOptions memory) => Task.Run(() =>
    {
        var settings = SettingsFor(device, memory);
        var pipeline = SvdPipeline.Load(pack, settings, loggerFactory.CreateLogger<SvdPipeline>());
        Providers[device] = pipeline.Provider;
        Log.Loaded(_logger, pack.Name, device, pipeline.Provider.ToString(), memory.Describe(), pipeline.Provider.Reason);
        return new CachedPipeline(pack, pipeline);
    });

    /// <summary>
    /// How sessions are made for a worker device (validated at startup) from the server's settings: threads, provider and
    /// the memory options. The device probe asks with the same settings, so its badge names the provider jobs get.
    /// </summary>
    public ExecutionSettings SettingsFor(string device, MemoryOptions memory)
    {
        SvdWebOptionsValidator.TryParseDevice(device, out var settings);
        return settings with
        {
            IntraOpNumThreads = options.Value.IntraOpNumThreads,
            Memory = memory,
            TensorRt = options.Value.Inference.Provider == InferenceProvider.TensorRt ? new TensorRtSettings(TensorRtCacheFolder(media)) : null,
            CudaGraphs = options.Value.Inference.CudaGraphs && !SharesProcessWithAnotherGpuWorker(options.Value.WorkerDevices),
            CudaGraphShapes = options.Value.Inference.CudaGraphShapes,
        };
    }

    /// <summary>
    /// ONNX Runtime captures CUDA graphs in CUDA's global capture mode, in which an allocation or synchronisation by any
    /// other thread of the process fails that thread's call and breaks the capture. Two GPU workers in one process would
    /// do exactly that to each other's runs (a failed job, not a fallback), so CUDA graphs are used only where one
    /// worker device of the process can be a GPU ("auto" or "cuda:N"; "cpu" workers never capture). A host with several
    /// GPUs gets graphs by running one worker process per GPU (README "Several GPU hosts").
    /// </summary>
    public static bool SharesProcessWithAnotherGpuWorker(IReadOnlyList<string> workerDevices)
    {
        ArgumentNullException.ThrowIfNull(workerDevices);
        return workerDevices.Count(d => !string.Equals(d.Trim(), "cpu", StringComparison.OrdinalIgnoreCase)) > 1;
    }

    /// <summary>TensorRT's engine and timing caches: under the data folder, so they survive restarts and upgrades.</summary>
    public static string TensorRtCacheFolder(MediaStore media)
    {
        ArgumentNullException.ThrowIfNull(media);
        return Path.Combine(media.DataFolder, "tensorrt-cache");
    }

    public void Dispose()
    {
        foreach (var lazy in _pipelines.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Retire();
        }
        _pipelines.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Pack {Pack} ready for device {Device} on {Provider} (memory options: {MemoryOptions}): {Reason}")]
        public static partial void Loaded(ILogger logger, string pack, string device, string provider, string memoryOptions, string reason);

        [LoggerMessage(2, LogLevel.Information, "Pack {Pack} was removed or changed on disk: its sessions on device {Device} are dropped (after any job still using them).")]
        public static partial void Evicted(ILogger logger, string pack, string device);
    }
}
