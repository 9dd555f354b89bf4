using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Faults;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Hosting;

/// <summary>
/// The data folder as the app's own: private whatever the umask, a bad one stops the app with exit code 1 and its
/// message, and media folders no row owns are cleared at startup once past the grace period, unless no row exists at all.
/// </summary>
public sealed class DataFolderTests : IDisposable
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly string _root = Directory.CreateTempSubdirectory("svdweb-datafolder-").FullName;

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Start_UnderUmask000WithALaxFolder_DatabaseMediaAndFolderPrivate()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_111_111);
        var notes = Path.Combine(data, "notes.txt");
        await File.WriteAllTextAsync(notes, "left by hand", ct);
        File.SetUnixFileMode(notes, (UnixFileMode)0b110_110_110);

        using (var server = await ServerProcess.StartWithUmaskAsync(data, "000", ct))
        {
            using var client = new HttpClient { BaseAddress = server.Address };
            var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var job = await JobPolls.WaitForEndAsync(client, (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id, ct);
            Assert.True(job.Status == JobStatus.Succeeded, job.Error);

            var entries = new[] { data }.Concat(Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories)).ToArray();
            Assert.Contains(Path.Combine(data, "svdweb.db"), entries);
            Assert.Contains(entries, e => e.EndsWith(".mp4", StringComparison.Ordinal));
            var open = entries.Where(e => (File.GetUnixFileMode(e) & GroupOrOther) != 0).Select(e => $"{e} {File.GetUnixFileMode(e)}").ToArray();
            Assert.True(open.Length == 0, "Readable by others: " + string.Join("; ", open));
            server.Kill();
        }
    }

    [Fact]
    public async Task Start_DataFolderInsideAFile_Exit1WithTheMessageAndNoStackTrace()
    {
        var file = Path.Combine(_root, "a-file");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);

        var (exitCode, output) = await ServerProcess.RunToExitAsync(_root, "127.0.0.1", TestContext.Current.CancellationToken, "--SvdWeb:DataFolder", Path.Combine(file, "data"));

        Assert.Equal(1, exitCode);
        Assert.Contains($"SvdWeb:DataFolder '{Path.Combine(file, "data")}' is not writable", output, StringComparison.Ordinal);
        Assert.Contains("Choose a folder the app's user can write", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_OrphanMediaFolders_RemovedPastTheGracePeriodAndLogged()
    {
        var data = Path.Combine(_root, "data");
        await using (var first = new SvdWebFactory(data))
        {
            // A gallery in use: a database with no job at all keeps every folder (the next test).
            await GalleryWithOneJobAsync(first.Services);
        }
        var old = Orphan(data, DateTime.UtcNow - StartupRecovery.OrphanGracePeriod - TimeSpan.FromMinutes(5));
        var young = Orphan(data, DateTime.UtcNow - TimeSpan.FromMinutes(1));

        await using var second = new SvdWebFactory(data);
        _ = second.Services;

        Assert.False(Directory.Exists(old), "the folder left by a crash an hour ago is still there");
        Assert.True(Directory.Exists(young), "a folder younger than the grace period was removed");
        Assert.Contains(second.Logs.Entries, e => e.Message.Contains("Removed 1 media folder(s)", StringComparison.Ordinal) && e.Message.Contains(Path.GetFileName(old), StringComparison.Ordinal));
        Assert.Contains(second.Logs.Entries, e => e.Message.Contains("younger than", StringComparison.Ordinal) && e.Message.Contains(Path.GetFileName(young), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_NoJobInTheDatabaseButOldMediaFolders_KeepsThemAndSaysHowToCopyTheGallery()
    {
        var data = Path.Combine(_root, "data");
        // As a new PostgreSQL database started once beside the media of an SQLite gallery not yet copied into it.
        var old = Orphan(data, DateTime.UtcNow - StartupRecovery.OrphanGracePeriod - TimeSpan.FromDays(30));

        await using var factory = new SvdWebFactory(data);
        _ = factory.Services;

        Assert.True(Directory.Exists(old), "a media folder was removed although the database holds no job at all");
        Assert.Contains(factory.Logs.Entries, e => e.Message.Contains("The database holds no job", StringComparison.Ordinal)
            && e.Message.Contains("svdweb copy-to-postgres", StringComparison.Ordinal));
    }

    /// <summary>One finished (failed) job row, so the database is a gallery in use.</summary>
    private static async Task GalleryWithOneJobAsync(IServiceProvider services)
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await Postgres.QueueRows.AddAsync(services, "local", ct);
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set.SetProperty(g => g.Status, JobStatus.Failed).SetProperty(g => g.Error, "test"), ct);
    }

    /// <summary>A media folder with an input but no row, as a kill between writing an upload and saving its row leaves.</summary>
    private static string Orphan(string data, DateTime writtenUtc)
    {
        var folder = Path.Combine(data, "media", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var input = Path.Combine(folder, "input.png");
        File.Copy(Fixtures.Image("logo_128x64.png"), input);
        File.SetLastWriteTimeUtc(input, writtenUtc);
        Directory.SetLastWriteTimeUtc(folder, writtenUtc);
        return folder;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }
}
