
namespace SvdWeb.Packs;

/// <summary>
/// A setting an admin changes in the app, stored in SQLite so it survives restarts and overrides appsettings.json
/// (today only <see cref="DefaultPackKey"/>).
/// </summary>
public sealed class SiteSetting
{
    /// <summary>The pack the Create page preselects and a request without "model" runs on.</summary>
    public const string DefaultPackKey = "DefaultPack";

    public required string Key { get; init; }

    public required string Value { get; set; }

    public required string UpdatedByName { get; set; }

    public DateTime UpdatedUtc { get; set; }
}
