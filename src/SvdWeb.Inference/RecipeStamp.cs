using System.Text.Json;

namespace SvdWeb.Inference;

/// <summary>
/// The recipe SvdWeb writes into every file it makes (MP4/WebM metadata, PNG text, GIF comment, WebP XMP): the job's
/// recipe exactly as the REST API returns it, wrapped so a reader can tell SvdWeb's comment from anyone else's, which
/// version of this wrapping it is, which pack made the video (name, and SHA-256 when known) and which gallery item.
/// <code>{"format":"svdweb-recipe","version":1,"model":"tiny-svd","modelHash":"…","item":"…","recipe":{…}}</code>
/// </summary>
/// <param name="ModelHash">SHA-256 of the pack's files, as the gallery stores it; null where it was not computed (the CLI).</param>
/// <param name="Item">The gallery item the file belongs to; null for files the CLI wrote.</param>
public sealed record RecipeStamp(SvdRecipe Recipe, string? ModelHash = null, Guid? Item = null)
{
    public const string Format = "svdweb-recipe";

    /// <summary>The version this SvdWeb writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    // One line, and ASCII only (the default encoder escapes the rest): GIF comments are ASCII and PNG tEXt is Latin-1.
    private static readonly JsonSerializerOptions Compact = new(SvdRecipe.JsonOptions) { WriteIndented = false };

    public string? Model => Recipe.Model;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("version", CurrentVersion);
            if (Model is not null) writer.WriteString("model", Model);
            if (ModelHash is not null) writer.WriteString("modelHash", ModelHash);
            if (Item is { } item) writer.WriteString("item", item);
            writer.WritePropertyName("recipe");
            JsonSerializer.Serialize(writer, Recipe, Compact);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The stamp in a metadata text, or null when the text is not SvdWeb's (another tool's comment, or no JSON).</summary>
    /// <exception cref="SvdInputException">The text is SvdWeb's but from a newer version, or its recipe is not valid.</exception>
    public static RecipeStamp? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format)
                || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
                return null;
            if (!root.TryGetProperty("version", out var version) || !version.TryGetInt32(out var number) || number < 1)
                throw new SvdInputException("recipe", "The file's SvdWeb recipe has no valid version number; it was not written by SvdWeb.");
            if (number > CurrentVersion)
                throw new SvdInputException("recipe", $"The file's recipe was written by a newer SvdWeb (recipe format {number}; this one reads up to {CurrentVersion}). Update SvdWeb to read it.");
            if (!root.TryGetProperty("recipe", out var recipe))
                throw new SvdInputException("recipe", "The file's SvdWeb recipe has no 'recipe' object.");
            return new RecipeStamp(
                SvdRecipe.FromJson(recipe.GetRawText()),
                root.TryGetProperty("modelHash", out var hash) && hash.ValueKind == JsonValueKind.String ? hash.GetString() : null,
                root.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.String && Guid.TryParse(item.GetString(), out var id) ? id : null);
        }
    }
}
