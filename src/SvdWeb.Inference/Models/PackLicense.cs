using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The license a pack ships, as tools/export/export_svd_onnx.py writes it into the pack root: the checkpoint's
/// LICENSE file (SVD and SVD-XT are under the Stability AI Community License), or its README.md model card when the
/// checkpoint has no LICENSE and the card's front matter names a license. A pack without either (the bundled
/// random-weight tiny pack) has no license to accept.
/// </summary>
/// <param name="FileName">The file in the pack root, e.g. "LICENSE.md".</param>
/// <param name="Text">The file's text, shown to the admin who accepts it.</param>
/// <param name="Sha256">SHA-256 of the file's bytes, lowercase hex: an acceptance holds for exactly this text.</param>
/// <param name="Url">Where the license is published: svdweb.json's "license_url", else the model card's
/// "license_link" or the first web address in the text; null when none is given.</param>
public sealed partial record PackLicense(string FileName, string Text, string Sha256, Uri? Url)
{
    /// <summary>The names the exporter copies, in the order it looks for them.</summary>
    public static readonly IReadOnlyList<string> LicenseFileNames = ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE.MD"];

    /// <summary>The exporter's fallback when the checkpoint has no LICENSE file.</summary>
    public const string ModelCardFileName = "README.md";

    // Larger than any license text; a bigger file is not read whole into memory to be shown on a page.
    private const long MaxBytes = 1 << 20;

    /// <summary>The pack's license, or null when it ships none.</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but cannot be opened.</exception>
    public static PackLicense? Read(string folder, Uri? settingsUrl)
    {
        foreach (var name in LicenseFileNames)
        {
            // Exact-case match: on a case-insensitive file system LICENSE.md and LICENSE.MD are one file.
            var path = Path.Combine(folder, name);
            if (File.Exists(path) && Directory.EnumerateFiles(folder, name).Any(p => Path.GetFileName(p) == name))
                return FromFile(path, name, settingsUrl, frontMatterLink: null);
        }
        var card = Path.Combine(folder, ModelCardFileName);
        if (!File.Exists(card))
            return null;
        var text = ReadText(card);
        var frontMatter = FrontMatter(text);
        if (frontMatter is null || !frontMatter.ContainsKey("license"))
            return null;
        return FromFile(card, ModelCardFileName, settingsUrl, frontMatter.GetValueOrDefault("license_link"));
    }

    private static PackLicense FromFile(string path, string name, Uri? settingsUrl, string? frontMatterLink)
    {
        var bytes = File.ReadAllBytes(path);
        var text = ReadText(path);
        var url = settingsUrl ?? WebAddress(frontMatterLink) ?? WebAddress(FirstUrl().Match(text) is { Success: true } m ? m.Value : null);
        return new PackLicense(name, text, Convert.ToHexStringLower(SHA256.HashData(bytes)), url);
    }

    private static string ReadText(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw new IOException($"{Path.GetFileName(path)} is {length} bytes; a license file over {MaxBytes} bytes is not a license text.");
        return File.ReadAllText(path);
    }

    /// <summary>A Hugging Face model card's YAML front matter as flat "key: value" pairs (nested values are not needed).</summary>
    private static Dictionary<string, string>? FrontMatter(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        if (lines.Length == 0 || lines[0].Trim() != "---")
            return null;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1).TakeWhile(l => l.Trim() != "---"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !char.IsWhiteSpace(line[0]))
                pairs[line[..colon].Trim()] = line[(colon + 1)..].Trim().Trim('"', '\'');
        }
        return pairs;
    }

    /// <summary>An absolute http(s) address, or null (a model card's license_link is often the relative "LICENSE.md").</summary>
    internal static Uri? WebAddress(string? text) =>
        Uri.TryCreate(text?.TrimEnd('.', ',', ')', ';'), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri : null;

    [GeneratedRegex(@"https?://[^\s<>""'\]\)]+", RegexOptions.CultureInvariant)]
    private static partial Regex FirstUrl();
}
