using System.Text.Json;

namespace SvdWeb.TestSupport;

/// <summary>
/// Locates the project's copy of the shared fixtures: goldens and images in tests/fixtures, the tiny pack in
/// models/tiny-svd (the bundled default pack). The copies make README's test command pass on a fresh clone with no
/// ../shared; FixtureCopyTests checks them against ../shared/fixtures/SHA256SUMS when that folder exists.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);
    private static readonly Lazy<JsonDocument> ManifestDocument = new(() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(GoldenRoot, "manifest.json"))));

    public static string RepoRoot => Root.Value;

    public static string FixturesRoot => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string GoldenRoot => Path.Combine(FixturesRoot, "golden");

    public static string TinyPack => Path.Combine(RepoRoot, "models", "tiny-svd");

    /// <summary>
    /// The shared fixtures' UNet as first exported, with attention unfused (MatMul → Softmax → MatMul). The bundled pack's
    /// UNet is the same weights re-exported with fused attention (tools/export's default); this copy keeps the shared
    /// file byte for byte, and lets tests check the re-export against it.
    /// </summary>
    public static string UnfusedTinyUNet => Path.Combine(FixturesRoot, "tiny-svd-unfused", "unet", "model.onnx");

    /// <summary>The shared fixtures' image encoder, unfused, kept for the same reasons as <see cref="UnfusedTinyUNet"/>.</summary>
    public static string UnfusedTinyImageEncoder => Path.Combine(FixturesRoot, "tiny-svd-unfused", "image_encoder", "model.onnx");

    /// <summary>Makes the pack copy at <paramref name="packFolder"/> what an unfused export wrote: both graphs with attention unfused.</summary>
    public static void UseUnfusedGraphs(string packFolder)
    {
        System.IO.File.Copy(UnfusedTinyUNet, Path.Combine(packFolder, "unet", "model.onnx"), overwrite: true);
        System.IO.File.Copy(UnfusedTinyImageEncoder, Path.Combine(packFolder, "image_encoder", "model.onnx"), overwrite: true);
    }

    /// <summary>../shared/fixtures beside the repository, or null where it is absent (a fresh clone).</summary>
    public static string? SharedFixtures
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));
            return Directory.Exists(path) ? path : null;
        }
    }

    public static JsonElement Manifest => ManifestDocument.Value.RootElement;

    /// <summary>A fixture file named as in SHA256SUMS / manifest.json ("golden/...", "images/...", "tiny-svd/...").</summary>
    public static string File(string relativePath)
    {
        var path = relativePath == "tiny-svd/unet/model.onnx" ? UnfusedTinyUNet
            : relativePath == "tiny-svd/image_encoder/model.onnx" ? UnfusedTinyImageEncoder
            : relativePath.StartsWith("tiny-svd/", StringComparison.Ordinal) ? Path.Combine(TinyPack, relativePath["tiny-svd/".Length..])
            : Path.Combine(FixturesRoot, relativePath);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"Fixture '{relativePath}' is missing at {path}. Copy ../shared/fixtures into tests/fixtures (and tiny-svd into models/).", path);
        return path;
    }

    /// <summary>A golden array by its path below golden/ (take paths from the manifest: shared arrays are stored once).</summary>
    public static NpyArray Golden(string pathBelowGolden) => Npy.Load(File("golden/" + pathBelowGolden));

    public static string Image(string name) => File("images/" + name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "SvdWeb.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No SvdWeb.sln above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
