using System.Globalization;
using System.Text.Json;

namespace SvdWeb.Inference.Models;

/// <summary>
/// One JSON file of a model pack, read for validation: typed getters that add a problem (file, key, what was expected,
/// what was found, the fix) and return null instead of throwing, so one pass reports every problem of every file.
/// </summary>
/// <remarks>
/// The configs are the diffusers/transformers files copied unchanged, so a key the pipeline needs is required here even
/// where diffusers' <c>from_config</c> would fall back to a class default: a pack whose config lacks
/// <c>latent_channels</c> was not copied from a checkpoint, and guessing SVD's value would hide that.
/// </remarks>
internal sealed class PackJsonFile
{
    private const long MaxConfigBytes = 16 << 20;

    private readonly JsonElement _root;
    private readonly List<string> _problems;
    private readonly string _fix;

    private PackJsonFile(string relativePath, JsonElement root, List<string> problems, string fix)
    {
        RelativePath = relativePath;
        _root = root;
        _problems = problems;
        _fix = fix;
    }

    /// <summary>The path inside the pack, with '/' separators, as problems name it.</summary>
    public string RelativePath { get; }

    public IEnumerable<string> Keys => _root.EnumerateObject().Select(p => p.Name);

    /// <summary>
    /// Reads <paramref name="relativePath"/> below <paramref name="packFolder"/>. Returns null, with a problem added,
    /// when the file is missing, unreadable, not JSON, or not a JSON object.
    /// </summary>
    /// <param name="role">What the file is, for the missing-file message ("the VAE config").</param>
    /// <param name="fix">The remedy appended to every problem in this file.</param>
    public static PackJsonFile? Open(string packFolder, string relativePath, string role, string fix, List<string> problems)
    {
        var path = Path.Combine(packFolder, relativePath);
        string json;
        try
        {
            // Configs are a few kilobytes; refuse to load a misplaced weight file into memory as text.
            var length = new FileInfo(path).Length;
            if (length > MaxConfigBytes)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{relativePath} is {length:N0} bytes, but a config file is a few kilobytes of JSON; this is some other file. {fix}"));
                return null;
            }
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add($"{relativePath} is missing (looked for {path}); every pack needs {role}. {fix}");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{relativePath} cannot be read ({ex.Message}). Check the file's permissions, or {Lower(fix)}");
            return null;
        }

        try
        {
            // Trailing commas are tolerated, as in EulerSchedulerConfig: a hand-edited config should not fail on one.
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{relativePath} holds a JSON {Kind(root)}, but it must be a JSON object of settings. {fix}");
                return null;
            }
            return new PackJsonFile(relativePath, root.Clone(), problems, fix);
        }
        catch (JsonException ex)
        {
            // The message carries "LineNumber: n | BytePositionInLine: m" (both counted from 0), the place to look.
            problems.Add($"{relativePath} is not valid JSON ({ex.Message.TrimEnd('.')}). {fix}");
            return null;
        }
    }

    /// <summary>A required integer no smaller than <paramref name="min"/>.</summary>
    public int? Int(string key, int min = 1)
    {
        var expected = min == 1 ? "a positive integer" : Invariant($"an integer ≥ {min}");
        if (!TryGet(key, expected, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min)
            return number;
        return Wrong<int?>(key, value, expected);
    }

    /// <summary>A required finite number greater than zero.</summary>
    public double? PositiveNumber(string key)
    {
        const string Expected = "a number greater than 0";
        if (!TryGet(key, Expected, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && number > 0)
            return number;
        return Wrong<double?>(key, value, Expected);
    }

    public bool? Bool(string key)
    {
        const string Expected = "true or false";
        if (!TryGet(key, Expected, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => Wrong<bool?>(key, value, Expected),
        };
    }

    public string? String(string key)
    {
        const string Expected = "a string";
        if (!TryGet(key, Expected, out var value))
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : Wrong<string?>(key, value, Expected);
    }

    /// <summary>A required non-empty array of positive integers.</summary>
    public IReadOnlyList<int>? PositiveIntArray(string key)
    {
        const string Expected = "a non-empty array of positive integers";
        if (!TryGet(key, Expected, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 &&
            value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n > 0))
        {
            return value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }
        return Wrong<IReadOnlyList<int>?>(key, value, Expected);
    }

    /// <summary>A required array of exactly <paramref name="length"/> finite numbers, each greater than <paramref name="above"/> when given.</summary>
    public IReadOnlyList<double>? NumberArray(string key, int length, double? above = null)
    {
        var expected = above is { } bound
            ? Invariant($"an array of {length} numbers, each greater than {bound}")
            : Invariant($"an array of {length} numbers");
        if (!TryGet(key, expected, out var value))
            return null;
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == length &&
            value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var n) && double.IsFinite(n) &&
                (above is null || n > above)))
        {
            return value.EnumerateArray().Select(e => e.GetDouble()).ToArray();
        }
        return Wrong<IReadOnlyList<double>?>(key, value, expected);
    }

    /// <summary>Whether the file has the key at all (with any value, null included).</summary>
    public bool Has(string key) => _root.TryGetProperty(key, out _);

    /// <summary>An optional key's raw value, for nested settings the typed getters do not cover; null when absent.</summary>
    public JsonElement? Element(string key) => _root.TryGetProperty(key, out var value) ? value : null;

    /// <summary>Adds a problem about this file (the fix is appended).</summary>
    public void AddProblem(string problem) => AddProblem(problem, _fix);

    /// <summary>Adds a problem about this file with a fix of its own, for a part of the file the file's fix does not cover.</summary>
    public void AddProblem(string problem, string fix) => _problems.Add($"{RelativePath}: {problem} {fix}");

    /// <summary>The key's raw JSON text, shortened for messages.</summary>
    public static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..60] + "…" : text;
    }

    private bool TryGet(string key, string expected, out JsonElement value)
    {
        if (_root.TryGetProperty(key, out value))
            return true;
        _problems.Add($"{RelativePath} has no key '{key}' (expected {expected}). {_fix}");
        return false;
    }

    private T Wrong<T>(string key, JsonElement value, string expected)
    {
        _problems.Add($"{RelativePath}: key '{key}' is {Describe(value)} (JSON {Kind(value)}), but it must be {expected}. {_fix}");
        return default!;
    }

    /// <summary>"object", "string", "number"…: the JSON kind of a value, for messages.</summary>
    public static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    private static string Lower(string text) => text.Length == 0 ? text : char.ToLowerInvariant(text[0]) + text[1..];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
