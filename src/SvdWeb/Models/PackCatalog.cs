using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Options;

namespace SvdWeb.Models;

/// <summary>
/// The packs in the configured models folder, validated (configs and ONNX headers only, no weights) and cached; a pack
/// folder whose files changed is validated again. Hashes are computed once per pack state, since hashing gigabytes
/// takes seconds.
/// </summary>
public sealed partial class PackCatalog(IOptions<SvdWebOptions> options, IHostEnvironment environment, ILogger<PackCatalog> logger)
{
    private readonly ConcurrentDictionary<string, (DateTime Stamp, PackEntry Entry)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Stamp, Task<string> Hash)> _hashes = new(StringComparer.Ordinal);

    public string ModelsFolder { get; } = SvdWebOptionsValidator.ResolvePath(environment, options.Value.ModelsFolder);

    public string DefaultPack { get; } = options.Value.DefaultPack;

    public IReadOnlyList<PackEntry> List()
    {
        if (!Directory.Exists(ModelsFolder)) return [];
        return Directory.GetDirectories(ModelsFolder)
            .Where(d => File.Exists(Path.Combine(d, "model_index.json")))
            .Select(d => Get(Path.GetFileName(d)))
            .OfType<PackEntry>()
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The entry for a pack name, or null when no such folder exists.</summary>
    public PackEntry? Get(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
            return null;
        var folder = Path.Combine(ModelsFolder, name);
        if (!Directory.Exists(folder)) return null;
        var stamp = Stamp(folder);
        if (_entries.TryGetValue(name, out var cached) && cached.Stamp == stamp) return cached.Entry;
        var validation = ModelPack.Validate(folder);
        var entry = new PackEntry(name, folder, validation.Pack, validation.Problems);
        if (!entry.IsValid) Log.PackInvalid(logger, name, string.Join(" | ", entry.Problems));
        _entries[name] = (stamp, entry);
        return entry;
    }

    /// <summary>The valid pack of that name (or the default pack), or an input error naming the packs there are.</summary>
    public ModelPack Require(string? name)
    {
        var packName = string.IsNullOrWhiteSpace(name) ? DefaultPack : name;
        var entry = Get(packName);
        if (entry is null)
        {
            var available = string.Join(", ", List().Where(e => e.IsValid).Select(e => e.Name));
            throw new SvdInputException("model", $"There is no model pack '{packName}'. Available: {(available.Length == 0 ? "none" : available)}.");
        }
        return entry.Pack ?? throw new ModelPackException(entry.Folder, entry.Problems);
    }

    public Task<string> GetHashAsync(ModelPack pack, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var stamp = Stamp(pack.Folder);
        var entry = _hashes.AddOrUpdate(pack.Folder,
            _ => (stamp, pack.ComputeHashAsync(null, CancellationToken.None)),
            (_, old) => old.Stamp == stamp && !old.Hash.IsFaulted ? old : (stamp, pack.ComputeHashAsync(null, CancellationToken.None)));
        return entry.Hash.WaitAsync(ct);
    }

    /// <summary>Latest write time of any file in the pack: changes when a file is replaced, added or touched.</summary>
    private static DateTime Stamp(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
        .Select(File.GetLastWriteTimeUtc)
        .DefaultIfEmpty(DateTime.MinValue)
        .Max();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Model pack {Pack} is not usable: {Problems}")]
        public static partial void PackInvalid(ILogger logger, string pack, string problems);
    }
}
