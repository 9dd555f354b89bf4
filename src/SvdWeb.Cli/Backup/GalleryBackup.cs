using Microsoft.Data.Sqlite;

namespace SvdWeb.Cli.Backup;

/// <summary>
/// Copies the gallery database with SQLite's online backup API and reads the Jobs rows of the copy.
/// The copy is one sqlite3_backup_step(-1): a single read transaction on the source, so it is a consistent snapshot
/// that includes every transaction committed to the WAL before it began, even while the app keeps writing (in WAL
/// mode readers never block the app's writer). A plain file copy could pair a database file with a WAL from another
/// moment, or miss the WAL altogether.
/// </summary>
internal static class GalleryBackup
{
    public const string DatabaseFile = "svdweb.db";

    /// <summary>Waits up to 30 s for a lock (WAL recovery, a checkpoint, a database not in WAL mode) before failing.</summary>
    private const string BusyTimeoutPragma = "PRAGMA busy_timeout = 30000;";

    public static void Copy(string sourceDatabase, string destinationDatabase)
    {
        try
        {
            // ReadWrite, not ReadWriteCreate: a wrong path must fail rather than create an empty database. No row is
            // written to the source; a WAL reader needs write access to the shared-memory index, and when the app is
            // stopped, closing the last connection checkpoints and removes the WAL just as the app's own close would.
            // No pooling, so Dispose really closes the files.
            using var source = Open(sourceDatabase, SqliteOpenMode.ReadWrite);
            using var destination = Open(destinationDatabase, SqliteOpenMode.ReadWriteCreate);
            source.BackupDatabase(destination);
            // The copied header keeps the source's WAL flag. A backup is a single file that is moved and copied as
            // one, so it goes back to a rollback journal; the app turns WAL on again at startup after a restore.
            Execute(destination, "PRAGMA journal_mode = DELETE;");
        }
        catch (SqliteException ex)
        {
            throw new BackupException(ex.SqliteErrorCode switch
            {
                5 or 6 => $"the database '{sourceDatabase}' stayed locked for 30 s (SQLite: {ex.Message}). Run the backup again; if it keeps failing, stop the app and retry.",
                11 or 26 => $"'{sourceDatabase}' is not a readable SQLite database (SQLite: {ex.Message}). Check that --data-folder points at the app's data folder; if it does, the database is damaged: restore an earlier backup.",
                _ => $"the backup of '{sourceDatabase}' to '{destinationDatabase}' failed (SQLite: {ex.Message}). Check that you can read the data folder and write to the backup's folder, and that its disk has free space.",
            }, ex);
        }
    }

    /// <summary>
    /// Rows of <paramref name="database"/> (the backup copy, so the list matches what a restore brings back) in creation
    /// order; <paramref name="sourceDatabase"/> is the database the user named, for messages.
    /// </summary>
    public static IReadOnlyList<GalleryRow> ReadGenerations(string database, string sourceDatabase)
    {
        try
        {
            using var connection = Open(database, SqliteOpenMode.ReadOnly);
            using var command = connection.CreateCommand();
            // Column names from the Initial migration (src/SvdWeb/Gallery/Migrations); Id is EF's GUID-as-TEXT.
            command.CommandText = """
                SELECT "Id", "Status", "MediaFolder", "InputFile", "VideoCount"
                FROM "Generations"
                ORDER BY "CreatedUtc", "Id";
                """;
            using var reader = command.ExecuteReader();
            var rows = new List<GalleryRow>();
            while (reader.Read())
                rows.Add(new GalleryRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
            return rows;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            throw new BackupException(
                $"'{sourceDatabase}' has no readable Jobs table (SQLite: {ex.Message}). Point --data-folder at SvdWeb's data folder; " +
                "if it is one, start the app once so it applies its migrations, then run the backup again.", ex);
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, BusyTimeoutPragma);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
