using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Storage;
using SvdWeb.Tests.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// The database as the queue on a real PostgreSQL server: claims from several nodes at once take each job once in
/// fair order (<c>FOR UPDATE SKIP LOCKED</c>), and leases expire, requeue and fence stale attempts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresQueueTests(PostgresServer server) : IAsyncDisposable
{
    private readonly List<SvdWebFactory> _nodes = [];
    // The shared media folder every host mounts at the same path.
    private readonly string _media = Directory.CreateTempSubdirectory("svdweb-shared-").FullName;
    // Every node's lease time: the system's, until a test lets a lease run out.
    private readonly MovableClock _leases = new();

    private async Task<IServiceProvider> NodeAsync(string connection, string role = "web", params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["SvdWeb:Database:Provider"] = "postgres",
            ["SvdWeb:Database:ConnectionString"] = connection,
            ["SvdWeb:Role"] = role,
        };
        foreach (var (key, value) in settings) values[key] = value;
        var node = new SvdWebFactory(_media, settings: values, services: s => s.AddSingleton(new LeaseClock(_leases)));
        _nodes.Add(node);
        _ = node.Server;   // starts the host: migrations applied
        await Task.CompletedTask;
        return node.Services;
    }

    private async Task<string> DatabaseAsync(CancellationToken ct)
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        return await server.CreateDatabaseAsync(ct);
    }

    [Fact]
    public async Task ClaimNext_ThreeClaimersOnTwoNodes_EachJobOnceInRoundRobinOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        var a = await NodeAsync(connection);
        var b = await NodeAsync(connection);
        // Alice queues ten, Bob four, Carol one: the round-robin interleaves them while each has some left.
        for (var i = 0; i < 10; i++) await QueueRows.AddAsync(a, "alice", ct);
        for (var i = 0; i < 4; i++) await QueueRows.AddAsync(b, "bob", ct);
        await QueueRows.AddAsync(a, "carol", ct);
        var planned = await QueueRows.PlannedOrderAsync(a, ct);

        var claimed = await QueueRows.ClaimAllAsync([a, b], workers: 3, ct);

        Assert.Equal(15, claimed.Count);
        // Claimers racing on two nodes serve exactly the order one claimer alone would, however the threads are
        // scheduled: each plans from the claims before it.
        Assert.Equal(planned, claimed);
        var first = await QueueRows.GetAsync(a, claimed[0], ct);
        Assert.Equal(JobStatus.Running, first.Status);
        Assert.Equal(1, first.Attempt);
        Assert.StartsWith("test:", first.LeaseOwner, StringComparison.Ordinal);
        Assert.True(first.LeaseUntil > DateTime.UtcNow);
    }

    [Fact]
    public async Task LeaseExpired_JobRequeuedAtItsPlaceStaleAttemptFencedSecondLossInterrupts()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        var node = await NodeAsync(connection, "web", ("SvdWeb:Queue:LeaseDuration", "00:00:01"), ("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"));
        var claims = node.GetRequiredService<JobClaims>();
        var job = await QueueRows.AddAsync(node, "alice", ct);
        var later = await QueueRows.AddAsync(node, "alice", ct);
        var order = (await QueueRows.GetAsync(node, job, ct)).QueueOrder;

        var first = await claims.ClaimNextAsync("host-a:1:cpu", ct);
        Assert.Equal(job, first!.Id);
        Assert.Equal(LeaseRenewal.Renewed, await claims.RenewAsync(first, ct));
        Assert.Equal(0, await claims.RequeueExpiredAsync(ct));
        _leases.Advance(TimeSpan.FromSeconds(1.5));   // no heartbeat: the worker was killed
        Assert.Equal(1, await claims.RequeueExpiredAsync(ct));

        var requeued = await QueueRows.GetAsync(node, job, ct);
        Assert.Equal(JobStatus.Queued, requeued.Status);
        Assert.Equal(order, requeued.QueueOrder);
        Assert.Equal(1, requeued.LostAttempts);
        Assert.Null(requeued.LeaseOwner);
        // Back at its place: before the owner's later job.
        Assert.Equal([job, later], await QueueRows.PlannedOrderAsync(node, ct));
        Assert.Equal(LeaseRenewal.Lost, await claims.RenewAsync(first, ct));

        var second = await claims.ClaimNextAsync("host-b:2:cpu", ct);
        Assert.Equal(job, second!.Id);
        Assert.Equal(2, second.Attempt);
        // The revived first worker cannot take the job back: its attempt is not the row's.
        Assert.Equal(LeaseRenewal.Lost, await claims.RenewAsync(first, ct));
        Assert.Equal(LeaseRenewal.Renewed, await claims.RenewAsync(second, ct));
        _leases.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, await claims.RequeueExpiredAsync(ct));

        var interrupted = await QueueRows.GetAsync(node, job, ct);
        Assert.Equal(JobStatus.Interrupted, interrupted.Status);
        Assert.Equal(JobRunner.InterruptedMessage, interrupted.Error);
        Assert.Equal(2, interrupted.LostAttempts);
    }

    [Fact]
    public async Task Cancel_FromWebNodeWhileRunningOnWorkerNode_CancelledAtNextHeartbeat()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        await NodeAsync(connection, "web");
        var web = _nodes[^1];
        await NodeAsync(connection, "worker", ("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"), ("SvdWeb:Queue:PollInterval", "00:00:00.2"));
        var client = web.CreateClient();
        var slow = await SubmitAsync(client, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", ct);
        var small = await SubmitAsync(client, JobRequests.SmallRecipe, ct);
        await ProgressWaits.UntilStatusAsync(web.Services, slow, JobStatus.Running, ct);

        var cancel = await client.PostAsync($"/api/jobs/{slow}/cancel", null, ct);

        Assert.Equal(System.Net.HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await JobPolls.WaitForEndAsync(client, slow, ct);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal("Cancelled.", cancelled.Error);
        // The worker node goes on with the next job, queued on the web node.
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, small, ct)).Status);
        Assert.Equal(1, (await QueueRows.GetAsync(web.Services, small, ct)).Attempt);
    }

    [Fact]
    public async Task StaleWorker_LeaseTakenOverMidRun_StopsAndRecordsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        await NodeAsync(connection, "web", ("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"));
        var node = _nodes[^1];
        var slow = await SubmitAsync(node.CreateClient(), """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", ct);
        var claims = node.Services.GetRequiredService<JobClaims>();
        var stale = await claims.ClaimNextAsync("host-a:1:cpu", ct);
        var run = node.Services.GetRequiredService<JobRunner>().RunAsync(stale!, "cpu", ct);
        await ProgressWaits.UntilDenoisedAsync(node.Services.GetRequiredService<JobProgressBroadcaster>(), slow, 1, ct);
        // Meanwhile the job was taken back and claimed again elsewhere (as after a network cut longer than the lease).
        await using (var db = await node.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
        {
            await db.Jobs.Where(g => g.Id == slow).ExecuteUpdateAsync(set => set
                .SetProperty(g => g.Attempt, 2).SetProperty(g => g.LeaseOwner, "host-b:2:cpu"), ct);
        }

        await run.WaitAsync(TimeSpan.FromSeconds(30), ct);

        var row = await QueueRows.GetAsync(node.Services, slow, ct);
        Assert.Equal((JobStatus.Running, 2, "host-b:2:cpu"), (row.Status, row.Attempt, row.LeaseOwner));
        Assert.Null(row.Error);
        Assert.Null(row.FinishedUtc);
        Assert.Contains(node.Logs.Entries, e => e.Message.Contains($"Job {slow} attempt 1 no longer holds the job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DataProtection_TwoWebNodes_WhatOneProtectsTheOtherReads()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        var a = await NodeAsync(connection);
        var b = await NodeAsync(connection);
        // The purpose the sign-in cookie uses: a cookie from node A must sign in on node B.
        const string purpose = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";

        var ticket = a.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().CreateProtector(purpose, "Identity.Application", "v2")
            .Protect("signed in on node A"u8.ToArray());

        var read = b.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().CreateProtector(purpose, "Identity.Application", "v2").Unprotect(ticket);
        Assert.Equal("signed in on node A", System.Text.Encoding.UTF8.GetString(read));
        await using var db = await a.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(1, await db.DataProtectionKeys.CountAsync(ct));
    }

    [Fact]
    public async Task StaleWorker_NewerAttemptSucceededMidRun_WinnersFilesStayAndTheStaleFolderIsGone()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        await NodeAsync(connection, "web", ("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"));
        var node = _nodes[^1];
        var slow = await SubmitAsync(node.CreateClient(), SlowRecipe, ct);
        var claims = node.Services.GetRequiredService<JobClaims>();
        var media = node.Services.GetRequiredService<MediaStore>();
        var stale = await claims.ClaimNextAsync("host-a:1:cpu", ct);
        var run = node.Services.GetRequiredService<JobRunner>().RunAsync(stale!, "cpu", ct);
        await ProgressWaits.UntilDenoisedAsync(node.Services.GetRequiredService<JobProgressBroadcaster>(), slow, 1, ct);
        var job = await QueueRows.GetAsync(node.Services, slow, ct);
        Assert.Equal([1], media.AttemptFolders(job.MediaFolder));
        // Meanwhile the job was taken back and claimed again on another host, whose run wrote its outputs into its
        // own folder and recorded its success.
        await using (var db = await node.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
        {
            await db.Jobs.Where(g => g.Id == slow).ExecuteUpdateAsync(set => set
                .SetProperty(g => g.Attempt, 2).SetProperty(g => g.LeaseOwner, "host-b:2:cpu"), ct);
        }
        var winner = new ClaimedJob(slow, 2, "host-b:2:cpu");
        await AttemptFiles.WriteOutputsAsync(media, job.MediaFolder, winner.Attempt, "winner", ct);
        Assert.True(await claims.FinishAsync(winner, job, JobStatus.Succeeded, null, null, ct));

        await run.WaitAsync(TimeSpan.FromSeconds(30), ct);

        AttemptFiles.AssertOutputsOf(media, job.MediaFolder, "winner");
        Assert.True(File.Exists(media.PathOf(job.MediaFolder, job.InputFile)));
        Assert.Empty(media.AttemptFolders(job.MediaFolder));
        var row = await QueueRows.GetAsync(node.Services, slow, ct);
        Assert.Equal((JobStatus.Succeeded, 2, "host-b:2:cpu"), (row.Status, row.Attempt, row.LeaseOwner));
        Assert.Contains(node.Logs.Entries, e => e.Message.Contains($"Job {slow} attempt 1 no longer holds the job", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LeaseExpired_LostAttemptsPartialFilesRemovedTheJobsOwnFilesKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        var node = await NodeAsync(connection, "web", ("SvdWeb:Queue:LeaseDuration", "00:00:01"), ("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"));
        var claims = node.GetRequiredService<JobClaims>();
        var media = node.GetRequiredService<MediaStore>();
        var id = await QueueRows.AddAsync(node, "alice", ct);
        var lost = (await claims.ClaimNextAsync("host-a:1:cpu", ct))!;
        var job = await QueueRows.GetAsync(node, id, ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, null, job.InputFile, "the input", ct);
        await AttemptFiles.WriteAsync(media, job.MediaFolder, lost.Attempt, MediaStore.FramesZipFile(0), "partial", ct);
        _leases.Advance(TimeSpan.FromSeconds(1.5));   // no heartbeat: the worker was killed

        Assert.Equal(1, await claims.RequeueExpiredAsync(ct));

        Assert.Equal(JobStatus.Queued, (await QueueRows.GetAsync(node, id, ct)).Status);
        Assert.Empty(media.AttemptFolders(job.MediaFolder));
        Assert.Equal("the input", await File.ReadAllTextAsync(media.PathOf(job.MediaFolder, job.InputFile), ct));
    }

    [Fact]
    public async Task PutBackAtShutdown_DatabaseDown_LoggedAndTheLeaseTakesTheJobBackToRunAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var connection = await DatabaseAsync(ct);
        await NodeAsync(connection, "web");
        var web = _nodes[^1];
        (string, string)[] worker = [("SvdWeb:Queue:HeartbeatInterval", "00:00:00.5"), ("SvdWeb:Queue:PollInterval", "00:00:00.2")];
        await NodeAsync(connection, "worker", worker);
        var stopping = _nodes[^1];
        var client = web.CreateClient();
        var slow = await SubmitAsync(client, SlowRecipe, ct);
        await ProgressWaits.UntilDenoisedAsync(stopping.Services.GetRequiredService<JobProgressBroadcaster>(), slow, 1, ct);
        var media = web.Services.GetRequiredService<MediaStore>();
        var folder = (await QueueRows.GetAsync(web.Services, slow, ct)).MediaFolder;
        Assert.Equal([1], media.AttemptFolders(folder));

        // The database goes away, then the worker's host stops normally: the job cannot be put back.
        await server.StopAsync();
        try
        {
            _nodes.Remove(stopping);
            await stopping.DisposeAsync();
        }
        finally
        {
            await server.StartAsync();
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        Assert.Contains(stopping.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && e.Message.Contains($"Job {slow}: the server is stopping but the job could not be put back in the queue; it is taken back when its lease expires.", StringComparison.Ordinal));
        var left = await QueueRows.GetAsync(web.Services, slow, ct);
        Assert.Equal((JobStatus.Running, 1), (left.Status, left.Attempt));
        // Its partial outputs went before the database was asked, so nothing of the stopped run stays.
        Assert.Empty(media.AttemptFolders(folder));

        await NodeAsync(connection, "worker", worker);
        var next = _nodes[^1];
        _leases.Advance(TimeSpan.FromSeconds(31));   // the default 30 s lease runs out with no heartbeat to renew it
        await ProgressWaits.UntilDenoisedAsync(next.Services.GetRequiredService<JobProgressBroadcaster>(), slow, 1, ct);

        var again = await QueueRows.GetAsync(web.Services, slow, ct);
        Assert.Equal((JobStatus.Running, 2, 1), (again.Status, again.Attempt, again.LostAttempts));
        Assert.Equal(JobClaims.WorkerName("cpu"), again.LeaseOwner);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.PostAsync($"/api/jobs/{slow}/cancel", null, ct)).StatusCode);
        Assert.Equal(JobStatus.Cancelled, (await JobPolls.WaitForEndAsync(client, slow, ct)).Status);
    }

    private const string SlowRecipe = """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""";

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(SvdWeb.TestSupport.Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.JobDto>(response.Content, JobRequests.Json, ct))!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        Directory.Delete(_media, recursive: true);
    }
}
