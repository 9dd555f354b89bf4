using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Options;

namespace SvdWeb.Models;

/// <summary>
/// One loaded <see cref="SvdPipeline"/> per (pack, device), created on first use and kept: creating sessions for the
/// real UNet takes seconds and its weights gigabytes. A pack whose folder changed is reloaded on next use.
/// </summary>
public sealed partial class PipelineCache(IOptions<SvdWebOptions> options, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<(string Folder, string Device), Lazy<Task<(ModelPack Pack, SvdPipeline Pipeline)>>> _pipelines = new();
    private readonly ILogger _logger = loggerFactory.CreateLogger<PipelineCache>();

    /// <summary>The provider of the last pipeline loaded per device ("auto", "cuda:0", …), for the UI's device badge.</summary>
    public ConcurrentDictionary<string, ExecutionProviderInfo> Providers { get; } = new(StringComparer.Ordinal);

    public async Task<SvdPipeline> GetAsync(ModelPack pack, string device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var key = (pack.Folder, device);
        while (true)
        {
            var lazy = _pipelines.GetOrAdd(key, _ => new Lazy<Task<(ModelPack, SvdPipeline)>>(() => LoadAsync(pack, device)));
            (ModelPack Pack, SvdPipeline Pipeline) loaded;
            try
            {
                loaded = await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (lazy.Value.IsFaulted)
            {
                _pipelines.TryRemove(new KeyValuePair<(string, string), Lazy<Task<(ModelPack, SvdPipeline)>>>(key, lazy));
                throw;
            }
            // PackCatalog hands out a new ModelPack only when the folder changed on disk: drop the stale sessions.
            if (ReferenceEquals(loaded.Pack, pack))
                return loaded.Pipeline;
            if (_pipelines.TryRemove(new KeyValuePair<(string, string), Lazy<Task<(ModelPack, SvdPipeline)>>>(key, lazy)))
                loaded.Pipeline.Dispose();
        }
    }

    /// <summary>Where a loaded pipeline of this pack runs, or null while none is loaded.</summary>
    public ExecutionProviderInfo? LoadedProvider(ModelPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return _pipelines
            .Where(p => p.Key.Folder == pack.Folder && p.Value.IsValueCreated && p.Value.Value.IsCompletedSuccessfully)
            .Select(p => p.Value.Value.Result.Item2.Provider)
            .FirstOrDefault();
    }

    private Task<(ModelPack, SvdPipeline)> LoadAsync(ModelPack pack, string device) => Task.Run(() =>
    {
        SvdWebOptionsValidator.TryParseDevice(device, out var settings);
        settings = settings with { IntraOpNumThreads = options.Value.IntraOpNumThreads };
        var pipeline = SvdPipeline.Load(pack, settings, loggerFactory.CreateLogger<SvdPipeline>());
        Providers[device] = pipeline.Provider;
        Log.Loaded(_logger, pack.Name, device, pipeline.Provider.ToString(), pipeline.Provider.Reason);
        return (pack, pipeline);
    });

    public void Dispose()
    {
        foreach (var lazy in _pipelines.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Item2.Dispose();
        }
        _pipelines.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Pack {Pack} ready for device {Device} on {Provider}: {Reason}")]
        public static partial void Loaded(ILogger logger, string pack, string device, string provider, string reason);
    }
}
