using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// Workers with different models folders on one PostgreSQL queue: each claims only jobs whose pack it has with the
/// same hash, and a job no live worker can run says so in the API.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPackClaimTests(PostgresServer server) : IAsyncDisposable
{
    private static readonly string AlphaHash = new('a', 64);
    private static readonly string BetaHash = new('b', 64);

    private readonly List<SvdWebFactory> _nodes = [];
    private readonly string _media = Directory.CreateTempSubdirectory("svdweb-packs-").FullName;

    private SvdWebFactory Node(string connection)
    {
        var node = new SvdWebFactory(_media, settings: new Dictionary<string, string?>
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
    public async Task ClaimNext_TwoWorkersWithDifferentPacks_EachJobGoesToTheWorkerWithItsPackAndAnUnofferedOneSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var connection = await server.CreateDatabaseAsync(ct);
        var web = Node(connection);
        var hostA = Node(connection).Services;
        var hostB = Node(connection).Services;
        PackOffer[] alpha = [new("alpha", AlphaHash)];
        PackOffer[] beta = [new("beta", BetaHash)];
        await hostA.GetRequiredService<WorkerRegistry>().PublishAsync("host-a:1:cuda:0", alpha, ct);
        await hostB.GetRequiredService<WorkerRegistry>().PublishAsync("host-b:1:cuda:0", beta, ct);
        var alphaJobs = new List<Guid>();
        var betaJobs = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            alphaJobs.Add(await QueueRows.AddAsync(web.Services, "alice", ct, "alpha", AlphaHash));
            betaJobs.Add(await QueueRows.AddAsync(web.Services, "bob", ct, "beta", BetaHash));
        }
        var nobody = await QueueRows.AddAsync(web.Services, "carol", ct, "gamma", new string('c', 64));
        // Same name as host A's pack, other files: it would not reproduce its recipe there.
        var changed = await QueueRows.AddAsync(web.Services, "carol", ct, "alpha", new string('d', 64));

        var byA = await ClaimAllAsync(hostA, "host-a:1:cuda:0", alpha, ct);
        var byB = await ClaimAllAsync(hostB, "host-b:1:cuda:0", beta, ct);

        Assert.Equal(alphaJobs, byA);
        Assert.Equal(betaJobs, byB);
        Assert.Equal(JobStatus.Queued, (await QueueRows.GetAsync(web.Services, nobody, ct)).Status);
        Assert.Equal(JobStatus.Queued, (await QueueRows.GetAsync(web.Services, changed, ct)).Status);
        var client = web.CreateClient();
        var dto = await client.GetFromJsonAsync<JobDto>($"/api/jobs/{nobody}", JobRequests.Json, ct);
        Assert.Equal("No worker has pack gamma with hash cccccccccccc…; add the pack to a worker's models folder (the same files, so the hash matches) and it runs there.", dto!.WaitingReason);
        var changedDto = await client.GetFromJsonAsync<JobDto>($"/api/jobs/{changed}", JobRequests.Json, ct);
        Assert.Contains("pack alpha with hash dddddddddddd…", changedDto!.WaitingReason, StringComparison.Ordinal);
        // A job a worker can take has no reason to wait but its place in line.
        var runnable = await QueueRows.AddAsync(web.Services, "alice", ct, "alpha", AlphaHash);
        Assert.Null((await client.GetFromJsonAsync<JobDto>($"/api/jobs/{runnable}", JobRequests.Json, ct))!.WaitingReason);
    }

    [Fact]
    public async Task WhyWaiting_WorkerStoppedHeartbeating_JobSaysNoWorkerIsRunning()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var connection = await server.CreateDatabaseAsync(ct);
        var web = Node(connection);
        var registry = web.Services.GetRequiredService<WorkerRegistry>();
        await registry.PublishAsync("host-a:1:cuda:0", [new("alpha", AlphaHash)], ct);
        var job = await QueueRows.AddAsync(web.Services, "alice", ct, "alpha", AlphaHash);
        Assert.Null(await registry.WhyWaitingAsync(await QueueRows.GetAsync(web.Services, job, ct), ct));

        await using (var db = await web.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
        {
            // Its last heartbeat two leases ago (the default lease is 30 s): the host is gone.
            var row = await db.Workers.FindAsync(["host-a:1:cuda:0"], ct);
            row!.HeartbeatUtc = DateTime.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync(ct);
        }

        var reason = await registry.WhyWaitingAsync(await QueueRows.GetAsync(web.Services, job, ct), ct);
        Assert.StartsWith("No worker is running, so this job waits.", reason, StringComparison.Ordinal);
    }

    private static async Task<List<Guid>> ClaimAllAsync(IServiceProvider host, string worker, IReadOnlyCollection<PackOffer> offers, CancellationToken ct)
    {
        var claims = host.GetRequiredService<JobClaims>();
        var claimed = new List<Guid>();
        while (await claims.ClaimNextAsync(worker, offers, ct) is { } job) claimed.Add(job.Id);
        return claimed;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        Directory.Delete(_media, recursive: true);
    }
}
