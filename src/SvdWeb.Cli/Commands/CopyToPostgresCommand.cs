using System.CommandLine;
using System.Globalization;
using SvdWeb.Cli.Backup;
using SvdWeb.Cli.Postgres;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb copy-to-postgres</c>: moves a one-machine gallery (DATA/svdweb.db) into the PostgreSQL database of
/// several hosts (README, "Several GPU hosts"): every row of every table but the workers' heartbeats, in one
/// transaction, into a database the app has migrated and that holds no job yet. Media files stay where they are (the
/// hosts share the data folder); each job's files that its status needs are checked and the missing ones listed, as
/// the backup does.
/// </summary>
internal static class CopyToPostgresCommand
{
    /// <summary>The app's own setting (SvdWeb:Database:ConnectionString), so one export serves both; it keeps the password off the command line.</summary>
    public const string ConnectionStringVariable = "SvdWeb__Database__ConnectionString";

    public static Command Create()
    {
        var dataFolder = new Option<string?>("--data-folder")
        {
            HelpName = "DIR",
            Description = $"The app's data folder, holding svdweb.db and media/ (default: ${BackupCommand.DataFolderVariable}, else 'data'). A relative path is from the current folder.",
        };
        var connectionString = new Option<string?>("--connection-string")
        {
            HelpName = "CS",
            Description = $"The PostgreSQL database to copy into, e.g. \"Host=db.lab;Database=svdweb;Username=svdweb;Password=...\" (default: ${ConnectionStringVariable}, which keeps the password out of the process list).",
        };
        var force = new Option<bool>("--force") { Description = "Copy even when the target already holds jobs; rows whose key is already there are kept as they are." };
        var command = new Command("copy-to-postgres", "Copy the SQLite gallery (jobs, accounts, API tokens, license acceptances, settings, data-protection keys) into a migrated PostgreSQL database. Stop the app first.")
        {
            dataFolder, connectionString, force,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(() =>
            RunAsync(parse.GetValue(dataFolder), parse.GetValue(connectionString), parse.GetValue(force), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string? dataFolderOption, string? connectionStringOption, bool force, CancellationToken ct)
    {
        var dataFolder = Path.GetFullPath(BackupCommand.ChooseDataFolder(dataFolderOption));
        var sourceDatabase = Path.Combine(dataFolder, GalleryBackup.DatabaseFile);
        if (!File.Exists(sourceDatabase))
        {
            throw new GalleryCopyException(
                $"there is no gallery database at '{sourceDatabase}'. Point --data-folder (or ${BackupCommand.DataFolderVariable}) at the app's data folder, the one holding svdweb.db and media/.");
        }
        var connectionString = connectionStringOption
            ?? (Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null)
            ?? throw new GalleryCopyException($"no PostgreSQL database was named. Set ${ConnectionStringVariable} as for the app (or pass --connection-string), e.g. \"Host=db.lab;Database=svdweb;Username=svdweb;Password=...\".");

        var tables = await GalleryCopy.CopyAsync(sourceDatabase, connectionString, force, ct).ConfigureAwait(false);
        foreach (var table in tables)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{table.Name}: {table.Copied} copied{(table.Skipped > 0 ? $", {table.Skipped} already there" : "")}"));
        }

        var missing = MissingMedia(dataFolder, GalleryBackup.ReadGenerations(sourceDatabase, sourceDatabase));
        foreach (var file in missing) Console.WriteLine($"missing: {file.Path} (job {file.Id}, {file.Status})");
        var jobs = tables.Single(t => t.Name == GalleryCopy.JobsTable);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"copied {sourceDatabase} into {GalleryCopy.Describe(connectionString)}: {tables.Sum(t => t.Copied)} rows in {tables.Count} tables, {jobs.Copied} jobs; {missing.Count} media files missing under {dataFolder}"));
        return 0;
    }

    /// <summary>
    /// The files each job's status says the app left (<see cref="GalleryRow.ExpectedFiles"/>) that are not under the data
    /// folder; the hosts will serve from the same folder, so these jobs would show as missing files there too.
    /// </summary>
    private static List<BackupManifest.MissingEntry> MissingMedia(string dataFolder, IReadOnlyList<GalleryRow> rows)
    {
        var missing = new List<BackupManifest.MissingEntry>();
        foreach (var row in rows)
        {
            foreach (var expected in row.ExpectedFiles())
            {
                var relative = $"{MediaInventory.RelativeFolder(row.MediaFolder)}/{expected}";
                // A name the app could not have written is never resolved on disk.
                var valid = GalleryRow.IsPlainName(row.MediaFolder) && GalleryRow.IsPlainName(expected);
                if (!valid || !File.Exists(Path.Combine(dataFolder, MediaInventory.MediaFolderName, row.MediaFolder, expected)))
                    missing.Add(new BackupManifest.MissingEntry(row.Id, row.Status, relative));
            }
        }
        return missing;
    }
}
