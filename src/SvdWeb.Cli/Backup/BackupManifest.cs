using System.Text.Json;
using System.Text.Json.Serialization;

namespace SvdWeb.Cli.Backup;

/// <summary>
/// FILE.manifest.json, written beside every backup. Paths are relative to the data folder with '/' separators, so
/// <c>cd DATA &amp;&amp; sha256sum -c</c> can check them (README, "Backup and restore"). Jobs come from the backup
/// copy; files, missing and orphans from the media folder just after the copy was taken.
/// </summary>
internal sealed record BackupManifest(
    int FormatVersion,
    DateTime BackupUtc,
    string SourceDatabase,
    string BackupFile,
    int RowCount,
    int FileCount,
    long TotalBytes,
    // The manifest's key predates the word "job" in the code; backups already written keep being read.
    [property: JsonPropertyName("generations")] IReadOnlyList<BackupManifest.JobEntry> Jobs,
    IReadOnlyList<BackupManifest.FileEntry> Files,
    IReadOnlyList<BackupManifest.MissingEntry> Missing,
    IReadOnlyList<string> Orphans)
{
    public const int CurrentFormatVersion = 1;

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>One row of the backup's Generations table; <see cref="MediaFolder"/> is relative to the data folder ("media/{id:N}").</summary>
    internal sealed record JobEntry(string Id, string Status, string MediaFolder);

    /// <summary>A media file that belongs to a row, as it was when hashed.</summary>
    internal sealed record FileEntry(string Path, long Size, string Sha256);

    /// <summary>A file the row's status says must exist but does not.</summary>
    internal sealed record MissingEntry(string Id, string Status, string Path);
}
