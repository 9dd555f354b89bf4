using System.CommandLine;
using System.Globalization;
using SvdWeb.Cli.Backup;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb backup FILE</c>: an online copy of DATA/svdweb.db (safe while the app runs) and FILE.manifest.json, the
/// media files of every row with their SHA-256, the files rows lack and the media no row owns. Media files are listed,
/// not copied: the app writes each once, under its final name only when complete, so any file copy tool can back
/// them up and the manifest checks the copy. Both outputs are written under temporary names and moved into place last, so an interrupted
/// backup never leaves a partial file under FILE's name.
/// </summary>
internal static class BackupCommand
{
    /// <summary>The app's own setting (SvdWeb:DataFolder) as an environment variable, so one export serves both.</summary>
    public const string DataFolderVariable = "SvdWeb__DataFolder";

    public const string ManifestSuffix = ".manifest.json";

    public static Command Create()
    {
        var file = new Argument<string>("FILE")
        {
            Description = $"The backup database to write, e.g. backups/svdweb-2026-01-31.db; the manifest goes to FILE{ManifestSuffix}. Its folder must exist.",
        };
        var dataFolder = new Option<string?>("--data-folder")
        {
            HelpName = "DIR",
            Description = $"The app's data folder, holding svdweb.db and media/ (default: ${DataFolderVariable}, else 'data'). A relative path is from the current folder.",
        };
        var force = new Option<bool>("--force") { Description = "Replace FILE and its manifest when they already exist." };
        var command = new Command("backup", "Back up the gallery database while the app runs (SQLite online backup) and list its media files with SHA-256 in FILE.manifest.json.")
        {
            file, dataFolder, force,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(() =>
            RunAsync(parse.GetRequiredValue(file), parse.GetValue(dataFolder), parse.GetValue(force), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string file, string? dataFolderOption, bool force, CancellationToken ct)
    {
        var dataFolder = Path.GetFullPath(ChooseDataFolder(dataFolderOption));
        var sourceDatabase = Path.Combine(dataFolder, GalleryBackup.DatabaseFile);
        var backupFile = Path.GetFullPath(file);
        var manifestFile = backupFile + ManifestSuffix;
        CheckPaths(sourceDatabase, backupFile, manifestFile, force);

        var temporaryBackup = TemporaryPathBeside(backupFile);
        var temporaryManifest = TemporaryPathBeside(manifestFile);
        try
        {
            var backupUtc = DateTime.UtcNow;
            GalleryBackup.Copy(sourceDatabase, temporaryBackup);
            var rows = GalleryBackup.ReadGenerations(temporaryBackup, sourceDatabase);
            var media = await MediaInventory.ScanAsync(dataFolder, rows, ct).ConfigureAwait(false);
            var manifest = new BackupManifest(
                BackupManifest.CurrentFormatVersion, backupUtc, sourceDatabase, backupFile, rows.Count, media.Files.Count, media.TotalBytes,
                [.. rows.Select(r => new BackupManifest.JobEntry(r.Id, r.Status, MediaInventory.RelativeFolder(r.MediaFolder)))],
                media.Files, media.Missing, media.Orphans);
            try
            {
                await File.WriteAllTextAsync(temporaryManifest, manifest.ToJson(), ct).ConfigureAwait(false);
                File.Move(temporaryBackup, backupFile, overwrite: force);
                File.Move(temporaryManifest, manifestFile, overwrite: force);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new BackupException(
                    $"writing '{backupFile}' or its manifest failed: {ex.Message} Check that you can write to '{Path.GetDirectoryName(backupFile)}' and that its disk has free space.", ex);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {backupFile}: {rows.Count} rows, {media.Files.Count} files, {media.TotalBytes} bytes, {media.Missing.Count} missing, {media.Orphans.Count} orphans; manifest {manifestFile}"));
            return 0;
        }
        finally
        {
            File.Delete(temporaryBackup);
            File.Delete(temporaryManifest);
        }
    }

    public static string ChooseDataFolder(string? option) =>
        option ?? (Environment.GetEnvironmentVariable(DataFolderVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : "data");

    private static void CheckPaths(string sourceDatabase, string backupFile, string manifestFile, bool force)
    {
        if (!File.Exists(sourceDatabase))
        {
            throw new BackupException(
                $"there is no gallery database at '{sourceDatabase}'. Point --data-folder (or ${DataFolderVariable}) at the app's data folder, the one holding svdweb.db and media/.");
        }
        var folder = Path.GetDirectoryName(backupFile) ?? backupFile;
        if (!Directory.Exists(folder))
            throw new BackupException($"the folder '{folder}' for the backup does not exist. Create it first (mkdir -p '{folder}') or give FILE in an existing folder.");
        if (Directory.Exists(backupFile))
            throw new BackupException($"'{backupFile}' is a folder. Give a file name for the backup, e.g. '{Path.Combine(backupFile, "svdweb.db")}'.");
        // Even --force must never replace the live database, or its WAL, shared-memory or journal file.
        if (new[] { "", "-wal", "-shm", "-journal" }.Any(suffix => backupFile == sourceDatabase + suffix))
            throw new BackupException($"'{backupFile}' is the gallery database itself (or one of its files). Write the backup outside the data folder, e.g. backups/svdweb.db.");
        foreach (var existing in new[] { backupFile, manifestFile })
        {
            if (File.Exists(existing) && !force)
                throw new BackupException($"'{existing}' already exists. Choose another FILE, or add --force to replace the backup and its manifest.");
        }
    }

    /// <summary>Same folder as the target, so the final move is a rename on one file system; the ".tmp" name marks a leftover.</summary>
    private static string TemporaryPathBeside(string target) =>
        Path.Combine(Path.GetDirectoryName(target) ?? ".", $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
}
