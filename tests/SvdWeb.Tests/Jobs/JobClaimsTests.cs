using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Storage;
using SvdWeb.Tests.Components;
using SvdWeb.Tests.Postgres;

namespace SvdWeb.Tests.Jobs;

/// <summary>
/// The claim's instrument and the fenced outcome and put-back writes with each attempt's folder, on the real services,
/// SQLite file and media folder. No worker.
/// </summary>
public sealed class JobClaimsTests : RealServicesContext
{
    // Marks this test's own claims: the meter is the process's, and other tests claim at the same time.
    private static readonly AsyncLocal<bool> Mine = new();

    [Fact]
    public async Task ClaimNext_RecordsItsDurationTaggedClaimedThenNone()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var claims = Services.GetRequiredService<JobClaims>();
        await QueueRows.AddAsync(Services, "alice", ct);
        var measured = new List<(double Seconds, object? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Meter.Name: JobClaims.MeterName, Name: JobClaims.ClaimDurationInstrument }) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            if (!Mine.Value) return;
            lock (measured) measured.Add((seconds, tags.ToArray().Single(t => t.Key == "outcome").Value));
        });
        listener.Start();
        Mine.Value = true;

        Assert.NotNull(await claims.ClaimNextAsync("test:0:cpu", ct));
        Assert.Null(await claims.ClaimNextAsync("test:0:cpu", ct));

        Assert.Equal(["claimed", "none"], measured.Select(m => m.Outcome));
        Assert.All(measured, m => Assert.InRange(m.Seconds, double.Epsilon, 60));
    }

    [Fact]
    public async Task Finish_AttemptTakenOver_WritesNothingAndSaysSo()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var claims = Services.GetRequiredService<JobClaims>();
        var id = await QueueRows.AddAsync(Services, "alice", ct);
        var claimed = (await claims.ClaimNextAsync("test:0:cpu", ct))!;
        var job = await QueueRows.GetAsync(Services, id, ct);
        await using (var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
            await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set.SetProperty(g => g.Attempt, 2), ct);

        Assert.False(await claims.FinishAsync(claimed, job, JobStatus.Succeeded, null, null, ct));
        var stale = await QueueRows.GetAsync(Services, id, ct);
        Assert.Equal((JobStatus.Running, 2), (stale.Status, stale.Attempt));
        Assert.Null(stale.FinishedUtc);

        await using (var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
            await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set.SetProperty(g => g.Attempt, 1), ct);
        Assert.True(await claims.FinishAsync(claimed, job, JobStatus.Failed, "It failed.", null, ct));
        var finished = await QueueRows.GetAsync(Services, id, ct);
        Assert.Equal((JobStatus.Failed, "It failed.", "test:0:cpu", (DateTime?)null), (finished.Status, finished.Error, finished.LeaseOwner, finished.LeaseUntil));
        Assert.NotNull(finished.FinishedUtc);
    }

    [Fact]
    public async Task Finish_StaleAttemptFinishesAfterTheNewerOneWon_WinnersFilesStayAndTheStaleFolderIsGone()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var claims = Services.GetRequiredService<JobClaims>();
        var media = Services.GetRequiredService<MediaStore>();
        var id = await QueueRows.AddAsync(Services, "alice", ct);
        var stale = (await claims.ClaimNextAsync("host-a:1:cpu", ct))!;
        var job = await QueueRows.GetAsync(Services, id, ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, null, job.InputFile, "the input", ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, stale.Attempt, MediaStore.VideoFile(0), "stale, half written", ct);
        // The first worker stalled past its lease; the job went back to the queue and another worker claimed it.
        await RequeueAsync(id, ct);
        var winner = (await claims.ClaimNextAsync("host-b:2:cpu", ct))!;
        Assert.Equal(2, winner.Attempt);
        await AttemptFiles.WriteOutputsAsync(media, job.MediaFolder, winner.Attempt, "winner", ct);

        Assert.True(await claims.FinishAsync(winner, job, JobStatus.Succeeded, null, null, ct));

        AttemptFiles.AssertOutputsOf(media, job.MediaFolder, "winner");
        Assert.Empty(media.AttemptFolders(job.MediaFolder));

        // The stale worker wakes up and goes on writing, then records its outcome, a success or not.
        await AttemptFiles.WriteAsync(media, job.MediaFolder, stale.Attempt, MediaStore.VideoFile(0), "stale, complete", ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, stale.Attempt, MediaStore.ThumbnailFile, "stale thumbnail", ct);
        Assert.False(await claims.FinishAsync(stale, job, JobStatus.Succeeded, null, null, ct));
        await AttemptFiles.WriteAsync(media, job.MediaFolder, stale.Attempt, MediaStore.VideoFile(0), "stale again", ct);
        Assert.False(await claims.FinishAsync(stale, job, JobStatus.Failed, "It failed.", null, ct));

        AttemptFiles.AssertOutputsOf(media, job.MediaFolder, "winner");
        Assert.Equal("the input", await File.ReadAllTextAsync(media.PathOf(job.MediaFolder, job.InputFile), ct));
        Assert.Empty(media.AttemptFolders(job.MediaFolder));
        var row = await QueueRows.GetAsync(Services, id, ct);
        Assert.Equal((JobStatus.Succeeded, 2, "host-b:2:cpu", (string?)null), (row.Status, row.Attempt, row.LeaseOwner, row.Error));
    }

    [Fact]
    public async Task RequeueExpired_LostAttemptsPartialFilesRemovedInputKeptNextAttemptStartsClean()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var claims = Services.GetRequiredService<JobClaims>();
        var media = Services.GetRequiredService<MediaStore>();
        var id = await QueueRows.AddAsync(Services, "alice", ct);
        var lost = (await claims.ClaimNextAsync("host-a:1:cpu", ct))!;
        var job = await QueueRows.GetAsync(Services, id, ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, null, job.InputFile, "the input", ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, lost.Attempt, MediaStore.FramesZipFile(0), "partial", ct);
        Assert.Equal(0, await claims.RequeueExpiredAsync(ct));
        Assert.Equal([1], media.AttemptFolders(job.MediaFolder));
        // No heartbeat renews the lease any more (the worker was killed), and it runs out.
        await using (var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
            await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set.SetProperty(g => g.LeaseUntil, DateTime.UtcNow.AddSeconds(-1)), ct);

        Assert.Equal(1, await claims.RequeueExpiredAsync(ct));

        Assert.Equal(JobStatus.Queued, (await QueueRows.GetAsync(Services, id, ct)).Status);
        Assert.Empty(media.AttemptFolders(job.MediaFolder));
        Assert.Equal([job.InputFile], Directory.GetFileSystemEntries(Path.GetDirectoryName(media.PathOf(job.MediaFolder, job.InputFile))!).Select(Path.GetFileName));
        var next = (await claims.ClaimNextAsync("host-b:2:cpu", ct))!;
        Assert.Equal(2, next.Attempt);
        Assert.False(Directory.Exists(media.AttemptPath(job.MediaFolder, next.Attempt)));
    }

    [Fact]
    public async Task ReturnToQueue_OwnAttempt_QueuedAgainItsFolderGone_TakenOver_NothingWrittenWinnersFolderKept()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var claims = Services.GetRequiredService<JobClaims>();
        var media = Services.GetRequiredService<MediaStore>();
        var id = await QueueRows.AddAsync(Services, "alice", ct);
        var first = (await claims.ClaimNextAsync("host-a:1:cpu", ct))!;
        var job = await QueueRows.GetAsync(Services, id, ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, first.Attempt, MediaStore.VideoFile(0), "partial", ct);

        Assert.True(await claims.ReturnToQueueAsync(first, job, ct));

        var queued = await QueueRows.GetAsync(Services, id, ct);
        Assert.Equal((JobStatus.Queued, 1, (string?)null, (DateTime?)null, (DateTime?)null), (queued.Status, queued.Attempt, queued.LeaseOwner, queued.LeaseUntil, queued.StartedUtc));
        Assert.Equal(0, queued.LostAttempts);
        Assert.Empty(media.AttemptFolders(job.MediaFolder));

        var second = (await claims.ClaimNextAsync("host-b:2:cpu", ct))!;
        await AttemptFiles.WriteAsync(media, job.MediaFolder, second.Attempt, MediaStore.VideoFile(0), "second's", ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, first.Attempt, MediaStore.VideoFile(0), "first's, revived", ct);

        // The first attempt's host stops late, after the job ran elsewhere: its put-back changes nothing.
        Assert.False(await claims.ReturnToQueueAsync(first, job, ct));

        var running = await QueueRows.GetAsync(Services, id, ct);
        Assert.Equal((JobStatus.Running, 2, "host-b:2:cpu"), (running.Status, running.Attempt, running.LeaseOwner));
        Assert.NotNull(running.LeaseUntil);
        Assert.Equal([2], media.AttemptFolders(job.MediaFolder));
        Assert.Equal("second's", await File.ReadAllTextAsync(media.PathOf(job.MediaFolder, second.Attempt, MediaStore.VideoFile(0)), ct));
    }

    /// <summary>The job goes back to the queue as a lease taken back puts it, without touching its files.</summary>
    private async Task RequeueAsync(Guid id, CancellationToken ct)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(g => g.Status, JobStatus.Queued).SetProperty(g => g.LeaseOwner, (string?)null).SetProperty(g => g.LeaseUntil, (DateTime?)null), ct);
    }
}
