using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Tests.Faults;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// Several hosts on one PostgreSQL database and one media folder: a web node (in the test process) queues, worker
/// processes (the built app, <c>SvdWeb:Role=worker</c>) claim and run, one is killed outright mid-run and one is
/// stopped normally (SIGTERM) mid-run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWorkerProcessTests(PostgresServer server) : IAsyncDisposable
{
    private static readonly JobOwner Alice = new("alice-id", "alice");
    private static readonly JobOwner Bob = new("bob-id", "bob");
    private static readonly JobOwner Carol = new("carol-id", "carol");

    private readonly string _media = Directory.CreateTempSubdirectory("svdweb-hosts-").FullName;
    private readonly List<ServerProcess> _workers = [];
    private SvdWebFactory? _web;
    private string _connection = "";

    private async Task<IServiceProvider> WebNodeAsync(CancellationToken ct)
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        _connection = await server.CreateDatabaseAsync(ct);
        _web = new SvdWebFactory(_media, settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Database:Provider"] = "postgres",
            ["SvdWeb:Database:ConnectionString"] = _connection,
            ["SvdWeb:Role"] = "web",
        });
        _ = _web.Server;
        return _web.Services;
    }

    /// <param name="lease">The lease duration; 3 s, so that a killed worker's job is taken back soon.</param>
    private async Task<ServerProcess> WorkerAsync(CancellationToken ct, string lease = "00:00:03")
    {
        var worker = await ServerProcess.StartOnAsync(_media, "127.0.0.1", ct,
            "--SvdWeb:Database:Provider", "postgres", "--SvdWeb:Database:ConnectionString", _connection, "--SvdWeb:Role", "worker",
            "--SvdWeb:Queue:LeaseDuration", lease, "--SvdWeb:Queue:HeartbeatInterval", "00:00:01", "--SvdWeb:Queue:PollInterval", "00:00:00.2");
        lock (_workers) _workers.Add(worker);
        return worker;
    }

    private static async Task<Guid> SubmitAsync(IServiceProvider web, JobOwner owner, SvdRecipe recipe, CancellationToken ct)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await web.GetRequiredService<JobService>().SubmitAsync(image, "logo.png", recipe, owner, ct)).Id;
    }

    [Fact]
    public async Task ThreeWorkerProcesses_JobsOfThreeUsers_EachRunOnceInFairOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var web = await WebNodeAsync(ct);
        var recipe = new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, DecodeChunkSize = 2, Seed = 3 };
        var jobs = new List<Guid>();
        foreach (var owner in new[] { Alice, Alice, Alice, Alice, Alice, Bob, Bob, Bob, Carol })
            jobs.Add(await SubmitAsync(web, owner, recipe, ct));
        var planned = (await QueueRows.PlannedOrderAsync(web, ct)).ToList();

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => WorkerAsync(ct)));
        var ended = new List<Job>();
        foreach (var id in jobs) ended.Add(await ProgressWaits.UntilEndAsync(web, id, ct, minutes: 3));

        Assert.All(ended, job => Assert.Equal(JobStatus.Succeeded, job.Status));
        // Exactly once: one claim each, never taken back.
        Assert.All(ended, job => Assert.Equal((1, 0), (job.Attempt, job.LostAttempts)));
        var pids = _workers.Select(w => $":{w.ProcessId}:").ToArray();
        Assert.All(ended, job => Assert.Contains(pids, pid => job.LeaseOwner!.Contains(pid, StringComparison.Ordinal)));
        Assert.True(ended.Select(job => job.LeaseOwner).Distinct().Count() >= 2, "All jobs ran on one worker: " + string.Join(", ", ended.Select(j => j.LeaseOwner)));
        // Fair order: claims numbered exactly as planned (alice, bob, carol, alice, bob, alice, …), however the three
        // processes race, since each claim plans from the ones before it.
        Assert.Equal(planned, ended.OrderBy(job => job.ClaimSeq).Select(job => job.Id).ToList());
        Assert.Equal(planned.Take(3).Select(id => ended.Single(j => j.Id == id).OwnerId).Order(), new[] { Alice.Id, Bob.Id, Carol.Id }.Order());
    }

    [Fact]
    public async Task WorkerKilledMidRun_JobCompletesOnAnotherWorkerWithFramesOfACleanRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var web = await WebNodeAsync(ct);
        var recipe = new SvdRecipe { Height = 128, Width = 256, NumFrames = 6, NumInferenceSteps = 25, DecodeChunkSize = 3, Seed = 11 };
        var killed = await SubmitAsync(web, Alice, recipe, ct);
        var first = await WorkerAsync(ct);
        await ProgressWaits.UntilStatusAsync(web, killed, JobStatus.Running, ct);
        // Its progress reaches this web node through the PostgreSQL relay.
        await ProgressWaits.UntilDenoisedAsync(web.GetRequiredService<JobProgressBroadcaster>(), killed, 1, ct);
        Assert.False((await QueueRows.GetAsync(web, killed, ct)).IsFinished, "The job ended before the worker could be killed; make it slower.");

        first.Kill();
        var second = await WorkerAsync(ct);
        var done = await ProgressWaits.UntilEndAsync(web, killed, ct, minutes: 3);

        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal((2, 1), (done.Attempt, done.LostAttempts));
        Assert.Contains($":{second.ProcessId}:", done.LeaseOwner, StringComparison.Ordinal);
        var clean = await SubmitAsync(web, Bob, recipe, ct);
        var cleanRun = await ProgressWaits.UntilEndAsync(web, clean, ct, minutes: 3);
        Assert.Equal((JobStatus.Succeeded, 1), (cleanRun.Status, cleanRun.Attempt));
        Assert.Equal(Frames(done), Frames(cleanRun));
        Assert.Empty(Directory.GetFiles(Path.Combine(_media, "media"), "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task WorkerStoppedNormallyMidRun_JobGoesBackToItsPlaceAndCompletesElsewhereWithFramesOfACleanRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var web = await WebNodeAsync(ct);
        var recipe = new SvdRecipe { Height = 128, Width = 256, NumFrames = 6, NumInferenceSteps = 25, DecodeChunkSize = 3, Seed = 11 };
        var stopped = await SubmitAsync(web, Alice, recipe, ct);
        var later = await SubmitAsync(web, Alice, new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, DecodeChunkSize = 2, Seed = 3 }, ct);
        var first = await WorkerAsync(ct);
        await ProgressWaits.UntilStatusAsync(web, stopped, JobStatus.Running, ct);
        await ProgressWaits.UntilDenoisedAsync(web.GetRequiredService<JobProgressBroadcaster>(), stopped, 1, ct);
        Assert.False((await QueueRows.GetAsync(web, stopped, ct)).IsFinished, "The job ended before the worker could be stopped; make it slower.");

        await first.TerminateAsync(ct);

        Assert.Contains("went back to its place in the queue", first.Output, StringComparison.Ordinal);
        var requeued = await QueueRows.GetAsync(web, stopped, ct);
        // Queued at once, not after a lease expiry, not a lost attempt, its place before the owner's later job kept.
        Assert.Equal((JobStatus.Queued, 1, 0, (string?)null), (requeued.Status, requeued.Attempt, requeued.LostAttempts, requeued.LeaseOwner));
        Assert.Equal([stopped, later], await QueueRows.PlannedOrderAsync(web, ct));
        Assert.Equal(["input.png"], Directory.GetFiles(Path.Combine(_media, "media", requeued.MediaFolder)).Select(Path.GetFileName));

        var second = await WorkerAsync(ct);
        var done = await ProgressWaits.UntilEndAsync(web, stopped, ct, minutes: 3);

        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal((2, 0), (done.Attempt, done.LostAttempts));
        Assert.Contains($":{second.ProcessId}:", done.LeaseOwner, StringComparison.Ordinal);
        var clean = await SubmitAsync(web, Bob, recipe, ct);
        var cleanRun = await ProgressWaits.UntilEndAsync(web, clean, ct, minutes: 3);
        Assert.Equal((JobStatus.Succeeded, 1), (cleanRun.Status, cleanRun.Attempt));
        Assert.Equal(Frames(done), Frames(cleanRun));
        Assert.Empty(Directory.GetFiles(Path.Combine(_media, "media"), "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DatabaseRestartedMidRun_WebNodeAndWorkerCarryOnAndNothingIsLost()
    {
        var ct = TestContext.Current.CancellationToken;
        var web = await WebNodeAsync(ct);
        var recipe = new SvdRecipe { Height = 128, Width = 256, NumFrames = 6, NumInferenceSteps = 25, DecodeChunkSize = 3, Seed = 11 };
        var running = await SubmitAsync(web, Alice, recipe, ct);
        var waiting = await SubmitAsync(web, Bob, recipe with { NumInferenceSteps = 2 }, ct);
        // A lease long enough to outlast the restart: the run goes on while the database is away (README, "Failures").
        var worker = await WorkerAsync(ct, lease: "00:00:30");
        await ProgressWaits.UntilStatusAsync(web, running, JobStatus.Running, ct);
        await ProgressWaits.UntilDenoisedAsync(web.GetRequiredService<JobProgressBroadcaster>(), running, 1, ct);
        Assert.False((await QueueRows.GetAsync(web, running, ct)).IsFinished, "The job ended before the database could be restarted; make it slower.");

        await server.StopAsync();
        await server.StartAsync();
        // The test's own reads must not trip over connections the restart broke; the app's pools heal by themselves.
        Npgsql.NpgsqlConnection.ClearAllPools();

        var done = await ProgressWaits.UntilEndAsync(web, running, ct, minutes: 3);
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal((1, 0), (done.Attempt, done.LostAttempts));
        Assert.Equal(JobStatus.Succeeded, (await ProgressWaits.UntilEndAsync(web, waiting, ct)).Status);
        // The web node still takes jobs, and the worker still runs them.
        var after = await SubmitAsync(web, Carol, recipe with { NumInferenceSteps = 2, Seed = 12 }, ct);
        Assert.Equal(JobStatus.Succeeded, (await ProgressWaits.UntilEndAsync(web, after, ct)).Status);
        Assert.False(worker.HasExited, "The worker exited:\n" + worker.Output);
        Assert.Equal(6, Frames(done).Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(_media, "media"), "*.tmp*", SearchOption.AllDirectories));
    }

    /// <summary>Each frame's pixels and recipe, by entry name (the file bytes name each job's own gallery item).</summary>
    private List<(string Name, string Sha256)> Frames(Job job)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(_media, "media", job.MediaFolder, "frames_0.zip"));
        return zip.Entries.Select(entry =>
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            buffer.Position = 0;
            return (entry.FullName, FramePixels.Fingerprint(buffer));
        }).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers) worker.Dispose();
        if (_web is not null) await _web.DisposeAsync();
        Directory.Delete(_media, recursive: true);
    }
}
