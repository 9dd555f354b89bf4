using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SvdWeb.Cli.Backup;

namespace SvdWeb.Cli.Tests;

public sealed class BackupCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-backup-").FullName;
    private readonly GalleryDataFolder _data;
    private readonly string _backups;

    public BackupCommandTests()
    {
        _data = new GalleryDataFolder(Path.Combine(_work, "data"));
        _backups = Directory.CreateDirectory(Path.Combine(_work, "backups")).FullName;
    }

    private string BackupFile => Path.Combine(_backups, "svdweb.db");

    private string ManifestFile => BackupFile + ".manifest.json";

    [Fact]
    public async Task Backup_ConsistentFolder_CopiesRowsAndHashesEveryFile()
    {
        var first = _data.AddGeneration("Succeeded", videoCount: 1);
        var second = _data.AddGeneration("Succeeded", videoCount: 2);
        // A write in progress (MediaStore's temporary name): neither a file of the row nor an orphan.
        await File.WriteAllTextAsync(Path.Combine(_data.MediaFolderOf(first), $".video_0.mp4.{Guid.NewGuid():N}.tmp.mp4"), "partial", TestContext.Current.CancellationToken);

        var run = await BackupAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal([Upper(first), Upper(second)], ReadIds(BackupFile));
        var expectedFiles = new[] { (Id: first, Videos: 1), (Id: second, Videos: 2) }
            .SelectMany(g => GalleryDataFolder.SucceededFiles(g.Videos).Select(name => Path.Combine(_data.MediaFolderOf(g.Id), name)))
            .Select(path => (Path: Path.GetRelativePath(_data.Folder, path), Size: new FileInfo(path).Length, Sha256: Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToArray();
        // Read as plain JSON: README's sha256sum recipe depends on these property names.
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(ManifestFile, TestContext.Current.CancellationToken));
        var root = manifest.RootElement;
        var listedFiles = root.GetProperty("files").EnumerateArray()
            .Select(f => (Path: f.GetProperty("path").GetString()!, Size: f.GetProperty("size").GetInt64(), Sha256: f.GetProperty("sha256").GetString()!))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(expectedFiles, listedFiles);
        Assert.Equal(2, root.GetProperty("rowCount").GetInt32());
        Assert.Equal(expectedFiles.Sum(f => f.Size), root.GetProperty("totalBytes").GetInt64());
        Assert.Equal(_data.Database, root.GetProperty("sourceDatabase").GetString());
        Assert.Equal([$"media/{first:N}", $"media/{second:N}"], root.GetProperty("generations").EnumerateArray().Select(g => g.GetProperty("mediaFolder").GetString()));
        Assert.Empty(root.GetProperty("missing").EnumerateArray());
        Assert.Empty(root.GetProperty("orphans").EnumerateArray());
        Assert.Contains($"2 rows, {expectedFiles.Length} files, {expectedFiles.Sum(f => f.Size)} bytes, 0 missing, 0 orphans", run.StandardOutput, StringComparison.Ordinal);
        // Temporary names were moved into place or removed; the backup is one file, not a WAL trio.
        Assert.Equal(["svdweb.db", "svdweb.db.manifest.json"], Directory.GetFiles(_backups).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Backup_SucceededRowLacksVideo_ListsVideoAsMissing()
    {
        var broken = _data.AddGeneration("Succeeded", videoCount: 1);
        File.Delete(Path.Combine(_data.MediaFolderOf(broken), "video_0.mp4"));
        _data.AddGeneration("Queued");   // only its input exists, which is all a queued job needs

        var run = await BackupAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        var manifest = await ReadManifestAsync();
        var missing = Assert.Single(manifest.Missing);
        Assert.Equal(new BackupManifest.MissingEntry(Upper(broken), "Succeeded", $"media/{broken:N}/video_0.mp4"), missing);
        Assert.DoesNotContain(manifest.Files, f => f.Path.EndsWith("video_0.mp4", StringComparison.Ordinal));
        Assert.Contains("1 missing", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_RunningAttemptsFolder_LeftOutNeitherTheItemsFilesNorOrphans()
    {
        var running = _data.AddGeneration("Running");
        // The app's run writes its outputs into its attempt's folder; they become the item's only when it succeeds.
        var attempt = Directory.CreateDirectory(Path.Combine(_data.MediaFolderOf(running), "attempt-1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(attempt, "frames_0.zip"), "not the item's yet", TestContext.Current.CancellationToken);

        var run = await BackupAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        var manifest = await ReadManifestAsync();
        Assert.Equal([$"media/{running:N}/input.png"], manifest.Files.Select(f => f.Path));
        Assert.Empty(manifest.Orphans);
        Assert.Empty(manifest.Missing);
    }

    [Fact]
    public async Task Backup_MediaWithoutRow_ListsFolderAndLooseFileAsOrphans()
    {
        var kept = _data.AddGeneration("Succeeded");
        var orphan = Guid.NewGuid();
        Directory.CreateDirectory(_data.MediaFolderOf(orphan));
        await File.WriteAllTextAsync(Path.Combine(_data.MediaFolderOf(orphan), "input.png"), "no row", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_data.MediaRoot, "notes.txt"), "loose", TestContext.Current.CancellationToken);
        // A generation being created: its input is written (under a temporary name) before its row exists.
        var creating = Guid.NewGuid();
        Directory.CreateDirectory(_data.MediaFolderOf(creating));
        await File.WriteAllTextAsync(Path.Combine(_data.MediaFolderOf(creating), $".input.png.{Guid.NewGuid():N}.tmp"), "partial", TestContext.Current.CancellationToken);

        var run = await BackupAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        var manifest = await ReadManifestAsync();
        Assert.Equal([$"media/{orphan:N}/", "media/notes.txt"], manifest.Orphans);
        Assert.All(manifest.Files, f => Assert.StartsWith($"media/{kept:N}/", f.Path, StringComparison.Ordinal));
        Assert.Empty(manifest.Missing);
        Assert.Contains("2 orphans", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backup_WriterWithUncheckpointedWal_BackupIncludesItsRows()
    {
        using var writer = _data.Open();
        using (var noCheckpoint = writer.CreateCommand())
        {
            noCheckpoint.CommandText = "PRAGMA wal_autocheckpoint = 0;";
            noCheckpoint.ExecuteNonQuery();
        }
        var ids = new[] { _data.AddGeneration("Succeeded", connection: writer), _data.AddGeneration("Queued", connection: writer) };
        // The rows live only in the WAL: a copy of svdweb.db alone would not have them.
        Assert.True(new FileInfo(_data.Database + "-wal").Length > 0, "the writer's rows are not in the WAL");

        var run = await BackupAsync();

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(ids.Select(Upper), ReadIds(BackupFile));
        // The app keeps writing after the backup.
        _data.AddGeneration("Queued", connection: writer);
        Assert.Equal(3, ReadIds(_data.Database).Count);
    }

    [Fact]
    public async Task Backup_DatabaseMissing_ExitsOneNamingPathAndOption()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_work, "empty")).FullName;

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "backup", BackupFile, "--data-folder", empty);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(Path.Combine(empty, "svdweb.db"), run.StandardError, StringComparison.Ordinal);
        Assert.Contains("--data-folder", run.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_backups));
    }

    [Fact]
    public async Task Backup_BackupFolderMissing_ExitsOneNamingFolder()
    {
        _data.AddGeneration("Queued");
        var folder = Path.Combine(_work, "not-there");

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "backup", Path.Combine(folder, "svdweb.db"), "--data-folder", _data.Folder);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"'{folder}'", run.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Backup_FileExists_RefusesUnlessForce()
    {
        _data.AddGeneration("Succeeded");
        await File.WriteAllTextAsync(BackupFile, "an older backup", TestContext.Current.CancellationToken);

        var refused = await BackupAsync();

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(BackupFile, refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("--force", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal("an older backup", await File.ReadAllTextAsync(BackupFile, TestContext.Current.CancellationToken));
        Assert.False(File.Exists(ManifestFile));

        var forced = await BackupAsync("--force");

        Assert.True(forced.ExitCode == 0, forced.StandardError);
        Assert.Single(ReadIds(BackupFile));
        Assert.True(File.Exists(ManifestFile));
    }

    [Fact]
    public async Task Backup_FileIsTheLiveDatabase_RefusesEvenWithForce()
    {
        var id = _data.AddGeneration("Succeeded");

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "backup", _data.Database, "--data-folder", _data.Folder, "--force");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is the gallery database itself", run.StandardError, StringComparison.Ordinal);
        Assert.Equal([Upper(id)], ReadIds(_data.Database));
    }

    [Fact]
    public async Task Backup_NoDataFolderOption_UsesEnvironmentVariable()
    {
        var id = _data.AddGeneration("Queued");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_work, "elsewhere")).FullName;

        var run = await CliProcess.RunAsync(elsewhere, new Dictionary<string, string> { ["SvdWeb__DataFolder"] = _data.Folder },
            TestContext.Current.CancellationToken, "backup", BackupFile);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal([Upper(id)], ReadIds(BackupFile));
        Assert.Equal(_data.Database, (await ReadManifestAsync()).SourceDatabase);
    }

    [Fact]
    public async Task Backup_NoOptionNorVariable_UsesDataInWorkingFolder()
    {
        var id = _data.AddGeneration("Queued");

        // An empty variable counts as unset, as it would for the app.
        var run = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["SvdWeb__DataFolder"] = "" },
            TestContext.Current.CancellationToken, "backup", "backups/svdweb.db");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal([Upper(id)], ReadIds(BackupFile));
    }

    [Fact]
    public async Task Backup_Help_DescribesFileAndOptions()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "backup", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var expected in new[] { "<FILE>", "FILE.manifest.json", "--data-folder", "$SvdWeb__DataFolder", "'data'", "--force", "online backup" })
            Assert.Contains(expected, run.StandardOutput, StringComparison.Ordinal);
    }

    private Task<CliProcess.Result> BackupAsync(params string[] extra) =>
        CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, ["backup", BackupFile, "--data-folder", _data.Folder, .. extra]);

    private async Task<BackupManifest> ReadManifestAsync() =>
        JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(ManifestFile, TestContext.Current.CancellationToken), BackupManifest.JsonOptions)!;

    private static string Upper(Guid id) => id.ToString().ToUpperInvariant();

    private static List<string> ReadIds(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT "Id" FROM "Generations" ORDER BY "CreatedUtc";""";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
