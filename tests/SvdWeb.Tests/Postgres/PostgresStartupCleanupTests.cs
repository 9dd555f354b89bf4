using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Storage;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// A node starting on a shared PostgreSQL queue and media folder: other hosts' workers may be running or just losing
/// their jobs, so only lost attempts' folders untouched for the grace period are removed, the running attempt's never,
/// and a running job stays running (its lease decides, not this start).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStartupCleanupTests(PostgresServer server) : IAsyncDisposable
{
    private readonly List<SvdWebFactory> _nodes = [];
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-pg-cleanup-").FullName;

    private SvdWebFactory Node(string connection)
    {
        var node = new SvdWebFactory(_data, settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Database:Provider"] = "postgres",
            ["SvdWeb:Database:ConnectionString"] = connection,
            ["SvdWeb:Role"] = "web",
        });
        _nodes.Add(node);
        _ = node.Server;
        return node;
    }

    [Fact]
    public async Task Start_LostAttemptFolders_OnlyThosePastTheGracePeriodGoAndTheRunningAttemptsStays()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var connection = await server.CreateDatabaseAsync(ct);
        var first = Node(connection);
        var running = await QueueRows.AddAsync(first.Services, "alice", ct);
        var failed = await QueueRows.AddAsync(first.Services, "bob", ct);
        await using (var db = await first.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
        {
            // Attempt 3 runs on another host, its lease current; bob's job failed on its second attempt.
            await db.Jobs.Where(j => j.Id == running).ExecuteUpdateAsync(set => set.SetProperty(j => j.Status, JobStatus.Running)
                .SetProperty(j => j.Attempt, 3).SetProperty(j => j.LeaseOwner, "host-b:1:cuda:0").SetProperty(j => j.LeaseUntil, DateTime.UtcNow.AddMinutes(10)), ct);
            await db.Jobs.Where(j => j.Id == failed).ExecuteUpdateAsync(set => set.SetProperty(j => j.Status, JobStatus.Failed)
                .SetProperty(j => j.Attempt, 2).SetProperty(j => j.Error, "test"), ct);
        }
        var old = DateTime.UtcNow - StartupRecovery.OrphanGracePeriod - TimeSpan.FromMinutes(5);
        var runningAttempt = Attempt(running, 3, old);            // a long first step: old, and its worker's
        var runningLost = Attempt(running, 2, old);               // the attempt before, lost long ago
        var failedLostOld = Attempt(failed, 1, old);
        var failedLostYoung = Attempt(failed, 2, DateTime.UtcNow - TimeSpan.FromMinutes(1)); // its worker may still be finding out

        var second = Node(connection);

        Assert.True(Directory.Exists(runningAttempt), "the running attempt's folder was removed under its worker");
        Assert.True(Directory.Exists(failedLostYoung), "an attempt folder younger than the grace period was removed");
        Assert.False(Directory.Exists(runningLost), "a lost attempt's folder past the grace period is still there");
        Assert.False(Directory.Exists(failedLostOld), "a lost attempt's folder past the grace period is still there");
        var removed = Assert.Single(second.Logs.Entries, e => e.Message.Contains("attempt folder(s)", StringComparison.Ordinal));
        Assert.Contains("Removed 2 attempt folder(s)", removed.Message, StringComparison.Ordinal);
        Assert.Contains($"{running:N}/attempt-2", removed.Message, StringComparison.Ordinal);
        Assert.Contains($"{failed:N}/attempt-1", removed.Message, StringComparison.Ordinal);
        var job = await QueueRows.GetAsync(second.Services, running, ct);
        Assert.Equal((JobStatus.Running, 3, "host-b:1:cuda:0"), (job.Status, job.Attempt, job.LeaseOwner));
    }

    /// <summary>An attempt folder holding a partial output, last written at <paramref name="writtenUtc"/>.</summary>
    private string Attempt(Guid job, int attempt, DateTime writtenUtc)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_data, "media", job.ToString("N"), MediaStore.AttemptFolderName(attempt))).FullName;
        var file = Path.Combine(folder, "frames_0.part");
        File.WriteAllText(file, "partial");
        File.SetLastWriteTimeUtc(file, writtenUtc);
        Directory.SetLastWriteTimeUtc(folder, writtenUtc);
        return folder;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
