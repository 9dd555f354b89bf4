using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SvdWeb.Cli.Tests;

/// <summary>
/// A data folder as the web app leaves it: svdweb.db in WAL mode with the Initial migration's schema (the SQL EF Core
/// generates for it, so the CLI test needs no reference to the web project) and media/{id:N}/ folders with the files
/// the app writes. Rows are inserted the way EF stores them: GUIDs and dates as TEXT, enums by name.
/// </summary>
internal sealed class GalleryDataFolder
{
    // The Jobs table as the app's first schema created it (from `dotnet ef migrations script`): the columns backup
    // reads have not changed since; later columns and the account tables are not needed here.
    private const string InitialMigrationSql = """
        CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
            "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
            "ProductVersion" TEXT NOT NULL
        );
        CREATE TABLE "Generations" (
            "Id" TEXT NOT NULL CONSTRAINT "PK_Generations" PRIMARY KEY,
            "CreatedUtc" TEXT NOT NULL,
            "StartedUtc" TEXT NULL,
            "FinishedUtc" TEXT NULL,
            "Status" TEXT NOT NULL,
            "Error" TEXT NULL,
            "SourceId" TEXT NULL,
            "ModelName" TEXT NOT NULL,
            "ModelHash" TEXT NOT NULL,
            "Height" INTEGER NOT NULL,
            "Width" INTEGER NOT NULL,
            "NumFrames" INTEGER NOT NULL,
            "NumInferenceSteps" INTEGER NOT NULL,
            "MinGuidanceScale" REAL NOT NULL,
            "MaxGuidanceScale" REAL NOT NULL,
            "Fps" INTEGER NOT NULL,
            "MotionBucketId" INTEGER NOT NULL,
            "NoiseAugStrength" REAL NOT NULL,
            "DecodeChunkSize" INTEGER NOT NULL,
            "NumVideosPerPrompt" INTEGER NOT NULL,
            "Seed" INTEGER NOT NULL,
            "Fit" TEXT NOT NULL,
            "HalfRandn" TEXT NOT NULL,
            "MediaFolder" TEXT NOT NULL,
            "InputFileName" TEXT NOT NULL,
            "InputFile" TEXT NOT NULL,
            "InputSha256" TEXT NOT NULL,
            "InputWidth" INTEGER NOT NULL,
            "InputHeight" INTEGER NOT NULL,
            "Provider" TEXT NULL,
            "DurationSeconds" REAL NULL,
            "SecondsPerStep" REAL NULL,
            "VideoCount" INTEGER NOT NULL
        );
        CREATE INDEX "IX_Generations_CreatedUtc" ON "Generations" ("CreatedUtc");
        CREATE INDEX "IX_Generations_ModelName" ON "Generations" ("ModelName");
        CREATE INDEX "IX_Generations_Status_CreatedUtc" ON "Generations" ("Status", "CreatedUtc");
        INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES ('20261130032740_Initial', '10.0.15');
        """;

    private int _rowsAdded;

    public GalleryDataFolder(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(MediaRoot);
        using var connection = Open();
        // EF Core sets WAL when it creates the database file; the app's connections all run in it.
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, InitialMigrationSql);
    }

    public string Folder { get; }

    public string Database => Path.Combine(Folder, "svdweb.db");

    public string MediaRoot => Path.Combine(Folder, "media");

    /// <summary>An unpooled connection, so disposing it really closes the file.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Inserts a row and writes the files the app keeps for its status (input only unless Succeeded); returns its id.
    /// Each file gets distinct random content, so a hash mix-up between files cannot pass.
    /// </summary>
    public Guid AddGeneration(string status, int videoCount = 1, SqliteConnection? connection = null)
    {
        var id = Guid.NewGuid();
        var folder = MediaFolderOf(id);
        Directory.CreateDirectory(folder);
        foreach (var file in status == "Succeeded" ? SucceededFiles(videoCount) : ["input.png"])
            File.WriteAllBytes(Path.Combine(folder, file), RandomBytes(100 + file.Length));

        var owned = connection is null;
        connection ??= Open();
        try
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO "Generations" ("Id", "CreatedUtc", "Status", "ModelName", "ModelHash", "Height", "Width", "NumFrames",
                    "NumInferenceSteps", "MinGuidanceScale", "MaxGuidanceScale", "Fps", "MotionBucketId", "NoiseAugStrength",
                    "DecodeChunkSize", "NumVideosPerPrompt", "Seed", "Fit", "HalfRandn", "MediaFolder", "InputFileName", "InputFile",
                    "InputSha256", "InputWidth", "InputHeight", "VideoCount")
                VALUES ($id, $created, $status, 'tiny-svd', $hash, 64, 128, 6, 4, 1.0, 3.0, 7, 127, 0.02, 6, $perPrompt, 42, 'Stretch',
                    'Legacy', $folder, 'photo.jpg', 'input.png', $hash, 128, 64, $videos);
                """;
            // EF Core's SQLite provider writes GUIDs as upper-case TEXT and DateTime as "yyyy-MM-dd HH:mm:ss.FFFFFFF".
            insert.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
            insert.Parameters.AddWithValue("$created", new DateTime(2026, 1, 1, 12, 0, _rowsAdded, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue("$status", status);
            insert.Parameters.AddWithValue("$hash", new string('0', 64));
            insert.Parameters.AddWithValue("$perPrompt", videoCount);
            insert.Parameters.AddWithValue("$videos", status == "Succeeded" ? videoCount : 0);
            insert.Parameters.AddWithValue("$folder", id.ToString("N"));
            insert.ExecuteNonQuery();
        }
        finally
        {
            if (owned) connection.Dispose();
        }
        _rowsAdded++;
        return id;
    }

    public string MediaFolderOf(Guid id) => Path.Combine(MediaRoot, id.ToString("N"));

    public static IReadOnlyList<string> SucceededFiles(int videoCount) =>
    [
        "input.png",
        .. Enumerable.Range(0, videoCount).SelectMany(i => new[] { $"video_{i}.mp4", $"frames_{i}.zip" }),
        "thumb.png",
        "preview.gif",
    ];

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
