using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Packs;

/// <summary>
/// A models folder of its own in a temp directory, starting with a copy of the tiny pack as "tiny-svd", so tests can
/// add licensed copies, change license files and remove packs without touching the repository's models folder.
/// </summary>
internal sealed class TempModelsFolder : IDisposable
{
    public const string CommunityLicense = "STABILITY AI COMMUNITY LICENSE AGREEMENT\nLast Updated: July 5, 2024\nhttps://stability.ai/community-license-agreement\n";

    public TempModelsFolder()
    {
        Folder = Directory.CreateTempSubdirectory("svdweb-models-").FullName;
        AddTinyCopy("tiny-svd");
    }

    public string Folder { get; }

    public string PackFolder(string name) => Path.Combine(Folder, name);

    /// <summary>Copies the tiny pack under another name; model_index.json last, so a watcher never sees half a pack as complete.</summary>
    public void AddTinyCopy(string name, string? license = null)
    {
        var staging = Path.Combine(Path.GetTempPath(), $"svdweb-pack-staging-{Guid.NewGuid():N}");
        foreach (var source in Directory.EnumerateFiles(Fixtures.TinyPack, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(staging, Path.GetRelativePath(Fixtures.TinyPack, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
        if (license is not null) File.WriteAllText(Path.Combine(staging, "LICENSE.md"), license);
        // One rename: the pack appears whole.
        Directory.Move(staging, PackFolder(name));
    }

    public void WriteLicense(string name, string text) => File.WriteAllText(Path.Combine(PackFolder(name), "LICENSE.md"), text);

    public void Remove(string name) => Directory.Delete(PackFolder(name), recursive: true);

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
