using System.Security.Cryptography;

namespace SvdWeb.Cli.Backup;

/// <summary>
/// What DATA/media holds against the rows of a backup: every file of a row's folder with its size and SHA-256, the
/// files a row needs but lacks, and the folders and loose files no row owns. The app may be writing while this runs:
/// its temporary files are skipped, a file deleted mid-scan simply is not listed (and counts as missing if a row needs
/// it), and a job created after the database copy shows up as an orphan.
/// </summary>
internal sealed class MediaInventory
{
    public const string MediaFolderName = "media";

    private const string ReadAccessHint = "Run the backup as a user that can read the whole data folder (the app's user, or root).";

    private MediaInventory(IReadOnlyList<BackupManifest.FileEntry> files, IReadOnlyList<BackupManifest.MissingEntry> missing, IReadOnlyList<string> orphans)
    {
        Files = files;
        Missing = missing;
        Orphans = orphans;
    }

    public IReadOnlyList<BackupManifest.FileEntry> Files { get; }

    public IReadOnlyList<BackupManifest.MissingEntry> Missing { get; }

    /// <summary>"media/{folder}/" for a folder without a row, "media/{file}" for a loose file.</summary>
    public IReadOnlyList<string> Orphans { get; }

    public long TotalBytes => Files.Sum(f => f.Size);

    /// <summary>Relative path of a row's media folder, as the manifest writes it.</summary>
    public static string RelativeFolder(string mediaFolder) => $"{MediaFolderName}/{mediaFolder}";

    public static async Task<MediaInventory> ScanAsync(string dataFolder, IReadOnlyList<GalleryRow> rows, CancellationToken ct)
    {
        try
        {
            return await ScanReadableAsync(dataFolder, rows, ct).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackupException($"cannot list the media folder: {ex.Message} {ReadAccessHint}", ex);
        }
    }

    private static async Task<MediaInventory> ScanReadableAsync(string dataFolder, IReadOnlyList<GalleryRow> rows, CancellationToken ct)
    {
        var mediaRoot = Path.Combine(dataFolder, MediaFolderName);
        var rowFolders = rows.Select(r => r.MediaFolder).Where(GalleryRow.IsPlainName).ToHashSet(StringComparer.Ordinal);
        var files = new List<BackupManifest.FileEntry>();
        var orphans = new List<string>();
        if (Directory.Exists(mediaRoot))
        {
            foreach (var folder in Directory.GetDirectories(mediaRoot).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(folder);
                if (!rowFolders.Contains(name))
                {
                    // A folder holding only temporary files is a job being created (its input is written
                    // before its row) or a crash's leftovers that startup recovery removes: neither is an orphan.
                    var contents = EnumerateFilesOrNone(folder);
                    if (contents.Count == 0 || contents.Any(f => !IsTemporary(f))) orphans.Add($"{RelativeFolder(name)}/");
                    continue;
                }
                foreach (var file in EnumerateFilesOrNone(folder).Where(f => !IsTemporary(f) && !InAttemptFolder(folder, f)).Order(StringComparer.Ordinal))
                {
                    var relative = $"{RelativeFolder(name)}/{Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/')}";
                    if (await HashAsync(file, relative, ct).ConfigureAwait(false) is { } entry) files.Add(entry);
                }
            }
            foreach (var file in Directory.GetFiles(mediaRoot).Where(f => !IsTemporary(f)).Order(StringComparer.Ordinal))
                orphans.Add($"{MediaFolderName}/{Path.GetFileName(file)}");
        }

        var present = files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var missing = new List<BackupManifest.MissingEntry>();
        foreach (var row in rows)
        {
            foreach (var expected in row.ExpectedFiles())
            {
                var relative = $"{RelativeFolder(row.MediaFolder)}/{expected}";
                // A row whose names the app could not have written is never resolved on disk: all its files are missing.
                var valid = GalleryRow.IsPlainName(row.MediaFolder) && GalleryRow.IsPlainName(expected);
                if (!valid || !present.Contains(relative)) missing.Add(new BackupManifest.MissingEntry(row.Id, row.Status, relative));
            }
        }
        return new MediaInventory(files, missing, orphans);
    }

    /// <summary>
    /// A file in a job's attempt-N folder is a run's output before its outcome is recorded (or a lost run's), not the
    /// item's: the app moves the winner's up into the job's folder (README "Several GPU hosts").
    /// </summary>
    private static bool InAttemptFolder(string jobFolder, string path) =>
        Path.GetRelativePath(jobFolder, path).StartsWith("attempt-", StringComparison.Ordinal);

    /// <summary>The app's temporary names (MediaStore, Mp4Writer) start with "." and contain ".tmp".</summary>
    private static bool IsTemporary(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith('.') && name.Contains(".tmp", StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> EnumerateFilesOrNone(string folder)
    {
        try
        {
            return Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
        }
        catch (DirectoryNotFoundException)
        {
            return [];   // deleted with its job while the backup ran
        }
    }

    private static async Task<BackupManifest.FileEntry?> HashAsync(string file, string relativePath, CancellationToken ct)
    {
        try
        {
            // Size and hash from the same open handle, so they describe the same content even if the app replaces the file.
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
                return new BackupManifest.FileEntry(relativePath, stream.Length, Convert.ToHexStringLower(hash));
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;   // deleted while the backup ran
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupException($"cannot read the media file '{file}': {ex.Message} {ReadAccessHint}", ex);
        }
    }
}
