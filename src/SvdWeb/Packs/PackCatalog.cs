using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Options;
using SvdWeb.Devices;

namespace SvdWeb.Packs;

/// <summary>
/// The packs in the configured models folder, validated (configs and ONNX headers only, no weights) and cached; a pack
/// folder whose files changed is validated again. Hashes are computed once per pack state, since hashing gigabytes
/// takes seconds. <see cref="Rescan"/> (the <see cref="PackWatcher"/> and the Models page's button) compares the folder
/// with the last scan, drops the loaded sessions of packs removed or changed, and tells the pages.
/// </summary>
public sealed partial class PackCatalog(
    IOptions<SvdWebOptions> options,
    IHostEnvironment environment,
    PackAdministration administration,
    PipelineCache pipelines,
    ILogger<PackCatalog> logger)
{
    private readonly ConcurrentDictionary<string, (DateTime Stamp, PackEntry Entry)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTime Stamp, Task<string> Hash)> _hashes = new(StringComparer.Ordinal);
    private readonly Lock _scanGate = new();
    private Dictionary<string, PackEntry>? _scanned;

    /// <summary>Raised after a rescan found packs added, removed or changed, and after an admin's license or default-pack change.</summary>
    public event Action? Changed
    {
        // Circuits subscribe and unsubscribe from many threads; a field-like event would be atomic, these two must be too.
        add
        {
            lock (_scanGate)
            {
                _changed += value;
                administration.Changed += value;
            }
        }
        remove
        {
            lock (_scanGate)
            {
                _changed -= value;
                administration.Changed -= value;
            }
        }
    }

    private Action? _changed;

    public string ModelsFolder { get; } = SvdWebOptionsValidator.ResolvePath(environment, options.Value.ModelsFolder);

    /// <summary>The pack an admin made the default on the Models page while it is still there, else appsettings' DefaultPack.</summary>
    public string DefaultPack => administration.StoredDefaultPack is { } stored && IsPackName(stored) && File.Exists(Path.Combine(ModelsFolder, stored, "model_index.json"))
        ? stored
        : options.Value.DefaultPack;

    /// <summary>Admins' decisions about packs: license acceptances and the stored default.</summary>
    public PackAdministration Administration => administration;

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
        if (!IsPackName(name))
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

    /// <summary>
    /// Lists the folder again and compares it with the last scan: packs gone or changed lose their cached entry, hash and
    /// loaded sessions, and <see cref="Changed"/> fires when anything differs. The first scan only records the packs.
    /// </summary>
    public PackChanges Rescan()
    {
        var current = List().ToDictionary(e => e.Name, StringComparer.Ordinal);
        Dictionary<string, PackEntry>? previous;
        lock (_scanGate)
        {
            previous = _scanned;
            _scanned = current;
        }
        if (previous is null) return new PackChanges([], [], []);
        var added = current.Keys.Where(name => !previous.ContainsKey(name)).Order(StringComparer.Ordinal).ToArray();
        var removed = previous.Keys.Where(name => !current.ContainsKey(name)).Order(StringComparer.Ordinal).ToArray();
        var changed = current.Where(e => previous.TryGetValue(e.Key, out var old) && !ReferenceEquals(old, e.Value)).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
        foreach (var name in removed)
        {
            var folder = previous[name].Folder;
            _entries.TryRemove(name, out _);
            _hashes.TryRemove(folder, out _);
            pipelines.Evict(folder);
        }
        foreach (var name in changed) pipelines.Evict(previous[name].Folder);
        var changes = new PackChanges(added, removed, changed);
        if (changes.Any)
        {
            Log.Rescanned(logger, string.Join(", ", added), string.Join(", ", removed), string.Join(", ", changed));
            _changed?.Invoke();
        }
        return changes;
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

    private static bool IsPackName(string? name) => !string.IsNullOrWhiteSpace(name) && !name.Contains('/', StringComparison.Ordinal)
        && !name.Contains('\\', StringComparison.Ordinal) && !name.StartsWith('.');

    /// <summary>Latest write time of any file in the pack: changes when a file is replaced, added or touched.</summary>
    private static DateTime Stamp(string folder) => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
        .Select(File.GetLastWriteTimeUtc)
        .DefaultIfEmpty(DateTime.MinValue)
        .Max();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Model pack {Pack} is not usable: {Problems}")]
        public static partial void PackInvalid(ILogger logger, string pack, string problems);

        [LoggerMessage(2, LogLevel.Information, "Models folder rescanned. Added: [{Added}]; removed: [{Removed}]; changed: [{Changed}].")]
        public static partial void Rescanned(ILogger logger, string added, string removed, string changed);
    }
}
