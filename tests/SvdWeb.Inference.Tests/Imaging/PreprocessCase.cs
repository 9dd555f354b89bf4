using System.Text.Json;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

/// <summary>The golden preprocessing cases of golden/manifest.json → preprocess (paths always taken from the manifest).</summary>
internal static class PreprocessCase
{
    /// <summary>VAE branch: (image file, width, height, resized uint8 golden, preprocessed golden).</summary>
    public static TheoryData<string, int, int, string, string> VaeBranch()
    {
        var data = new TheoryData<string, int, int, string, string>();
        foreach (var c in Cases("vae_branch"))
        {
            data.Add(Path.GetFileName(c.GetProperty("image").GetString()!), c.GetProperty("width").GetInt32(), c.GetProperty("height").GetInt32(),
                FileOf(c, "resized_uint8_hwc"), FileOf(c, "preprocessed_nchw"));
        }
        return data;
    }

    /// <summary>CLIP branch: (image file, resize output golden, pixel_values golden).</summary>
    public static TheoryData<string, string, string> ClipBranch()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var c in Cases("clip_branch"))
            data.Add(Path.GetFileName(c.GetProperty("image").GetString()!), FileOf(c, "resize_output_nchw"), FileOf(c, "pixel_values"));
        return data;
    }

    private static IEnumerable<JsonElement> Cases(string branch) =>
        Fixtures.Manifest.GetProperty("preprocess").GetProperty(branch).GetProperty("cases").EnumerateArray();

    private static string FileOf(JsonElement c, string key) => c.GetProperty(key).GetProperty("file").GetString()!;
}
