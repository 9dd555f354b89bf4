using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Faults;

/// <summary>Crashes, a full disk and a missing ffmpeg: nothing stored is lost or corrupted, and each failure says why.</summary>
public sealed class FaultInjectionTests : IDisposable
{
    private const string SlowRecipe = """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""";
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-faults-").FullName;

    [Fact]
    public async Task KillMidJob_Restart_RunningInterruptedQueuedCompleteNothingHalfWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid running, queued;
        using (var first = await ServerProcess.StartAsync(_data, ct))
        {
            using var client = new HttpClient { BaseAddress = first.Address };
            running = await SubmitAsync(client, SlowRecipe, ct);
            queued = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
            await JobPolls.WaitForStatusAsync(client, running, JobStatus.Running, ct);
            await JobPolls.WaitForDenoisedAsync(client, running, 1, ct);

            first.Kill();
        }

        using var second = await ServerProcess.StartAsync(_data, ct);
        using var restarted = new HttpClient { BaseAddress = second.Address };
        var interrupted = await restarted.GetFromJsonAsync<JobDto>($"/api/jobs/{running}", JobRequests.Json, ct);
        Assert.Equal(JobStatus.Interrupted, interrupted!.Status);
        Assert.Contains("retry it", interrupted.Error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(restarted, queued, ct)).Status);
        // The killed job keeps only its input; no temporary or partial file survives startup recovery.
        Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(_data, "media", running.ToString("N"))).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "media"), "*.tmp*", SearchOption.AllDirectories));
        Assert.Contains("running jobs marked interrupted", second.Output, StringComparison.Ordinal);
        // And it can be run again.
        Assert.Equal(HttpStatusCode.OK, (await restarted.GetAsync($"/api/jobs/{running}/input.png", ct)).StatusCode);
        second.Kill();
        Assert.Equal("ok", IntegrityCheck());
    }

    [Fact]
    public async Task FfmpegNotOnPath_WarnsAtStartupAndSubmitsAreRefusedWithInstallHint()
    {
        var ct = TestContext.Current.CancellationToken;
        // The server needs nothing from PATH (the dotnet host is started by full path), so an empty one hides ffmpeg.
        var emptyPath = Directory.CreateDirectory(Path.Combine(_data, "empty-path")).FullName;
        using var server = await ServerProcess.StartAsync(_data, ct, path: emptyPath);
        using var client = new HttpClient { BaseAddress = server.Address };

        var refused = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.Contains("ffmpeg and ffprobe were not found on PATH", server.Output, StringComparison.Ordinal);
        // Refused at submit, with the startup check's message, rather than failing once a worker takes the job.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("apt-get install ffmpeg", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        var page = await client.GetStringAsync("/gallery", ct);
        Assert.Contains("ffmpeg-warning", page, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_data, "media")));
        Assert.Equal(0, (await client.GetFromJsonAsync<PageDto<JobDto>>("/api/gallery", JobRequests.Json, ct))!.Total);
    }

    [Fact]
    public async Task DiskFullDuringJob_FailsNamingDiskEarlierItemIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        var mount = Path.Combine(_data, "small");
        Directory.CreateDirectory(mount);
        var mounted = Run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount);
        Assert.SkipWhen(!mounted, "Mounting a tmpfs needs root (CI runs as root).");
        try
        {
            await using var factory = new SvdWebFactory(mount);
            var client = factory.CreateClient();
            var first = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
            Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, first, ct)).Status);
            var video = await client.GetByteArrayAsync($"/api/jobs/{first}/video", ct);

            // Leave room for the next input and its database rows, not for its frames.
            var free = new DriveInfo(mount).AvailableFreeSpace;
            // Written, not SetLength: tmpfs keeps sparse files free.
            await File.WriteAllBytesAsync(Path.Combine(mount, "filler"), new byte[Math.Max(0, free - 160 * 1024)], ct);
            var second = await SubmitAsync(client, """{"height":128,"width":256,"numFrames":12,"numInferenceSteps":1,"decodeChunkSize":12,"seed":5}""", ct);
            var failed = await JobPolls.WaitForEndAsync(client, second, ct);

            Assert.Equal(JobStatus.Failed, failed.Status);
            Assert.Contains("full", failed.Error, StringComparison.Ordinal);
            Assert.Equal(video, await client.GetByteArrayAsync($"/api/jobs/{first}/video", ct));
            Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(mount, "media", second.ToString("N"))).Select(Path.GetFileName));
            Assert.Empty(Directory.GetFiles(Path.Combine(mount, "media"), "*.tmp*", SearchOption.AllDirectories));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", mount);
        }
    }

    [Fact]
    public async Task DiskFull_ApiAnswers507ProblemsLeavesNoFolderAndDeleteFreesSpace()
    {
        var ct = TestContext.Current.CancellationToken;
        var mount = Path.Combine(_data, "full");
        Directory.CreateDirectory(mount);
        var mounted = Run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mount);
        Assert.SkipWhen(!mounted, "Mounting a tmpfs needs root (CI runs as root).");
        try
        {
            await using var factory = new SvdWebFactory(mount);
            var client = factory.CreateClient();
            var first = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
            Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, first, ct)).Status);
            FillUp(Path.Combine(mount, "filler"));

            var submit = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
            var hide = await client.PostAsJsonAsync($"/api/jobs/{first}/private", new { @private = true }, ct);

            Assert.Equal(HttpStatusCode.InsufficientStorage, submit.StatusCode);
            Assert.Equal("application/problem+json", submit.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"The disk holding the data folder is full ({mount})", await submit.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            // The refused upload left nothing: only the first job's folder is there.
            Assert.Equal([first.ToString("N")], Directory.GetDirectories(Path.Combine(mount, "media")).Select(Path.GetFileName));
            // SQLite may still have room in its WAL for one small update; if not, the answer is the same 507 problem.
            Assert.True(hide.StatusCode is HttpStatusCode.OK or HttpStatusCode.InsufficientStorage, $"{hide.StatusCode}: {await hide.Content.ReadAsStringAsync(ct)}");
            if (hide.StatusCode != HttpStatusCode.OK) Assert.Equal("application/problem+json", hide.Content.Headers.ContentType?.MediaType);

            var deleted = await client.DeleteAsync($"/api/jobs/{first}", ct);

            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/jobs/{first}", ct)).StatusCode);
            Assert.Empty(Directory.GetDirectories(Path.Combine(mount, "media")));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", mount);
        }
    }

    /// <summary>Writes until the file system says it is full (tmpfs keeps sparse files free, so the bytes are written).</summary>
    private static void FillUp(string path)
    {
        using var filler = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var block = new byte[4096];
        try
        {
            while (true) filler.Write(block);
        }
        catch (IOException)
        {
            // full
        }
    }

    private string IntegrityCheck()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "svdweb.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }


    private static bool Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
