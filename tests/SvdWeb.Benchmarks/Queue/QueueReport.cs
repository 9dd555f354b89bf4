using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Benchmarks.Queue;

/// <summary>
/// <c>queue [jobs] [owners]</c>: the database as the queue (README "Several GPU hosts"), with the app's own workers,
/// claims and progress relay and a runner that does no work (<see cref="NoOpJobRunner"/>). A thousand waiting jobs of
/// several owners are written in one transaction, then three workers claim and complete them as fast as they can:
/// each claim's duration (the app's instrument), jobs per second from the first claim to the last completion, and the
/// latency of each job's progress events from the worker to the node that serves pages (its broadcaster, and a
/// <c>/hubs/progress</c> client over WebSocket), under that load. On PostgreSQL (a real server started from Debian's
/// binaries, as the tests start it) the workers run on a worker node and the client follows on a web node, so
/// progress travels through LISTEN/NOTIFY; on SQLite one node runs everything, as one machine does.
/// </summary>
internal static class QueueReport
{
    private const int Workers = 3;

    private const int WarmUpJobs = 50;

    private static readonly ResolvedRecipe Recipe = SvdRecipe.Defaults.Resolve(ModelPack.Load(Fixtures.TinyPack));

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var owners = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var ct = cancel.Token;
        Console.WriteLine($"{jobs} waiting jobs of {owners} owners, {Workers} workers, no-op runner; {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        var figures = new List<QueueFigures>();
        await using (var server = new PostgresServer())
        {
            await server.InitializeAsync();
            if (server.Unavailable is { } why)
            {
                await Console.Error.WriteLineAsync(why);
                return 1;
            }
            figures.Add(await PostgresAsync(server, jobs, owners, ct));
        }
        figures.Add(await SqliteAsync(jobs, owners, ct));

        Console.WriteLine();
        Console.WriteLine("| | claim (ms) | progress → web node's broadcaster (ms) | progress → `/hubs/progress` client (ms) | throughput |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var f in figures)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Setup} | {f.Round.Claims.Summary()} | {f.Round.ToBroadcaster.Summary()} | {f.Round.ToHub.Summary()} | {f.Round.JobsPerSecond:F0} jobs/s ({f.Round.Jobs} in {f.Round.Elapsed.TotalSeconds:F2} s) |"));
        }
        Console.WriteLine("(median / p95 / max)");
        return 0;
    }

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);

    private static async Task<QueueFigures> PostgresAsync(PostgresServer server, int jobs, int owners, CancellationToken ct)
    {
        var connection = await server.CreateDatabaseAsync(ct);
        var media = Directory.CreateTempSubdirectory("svdweb-bench-").FullName;
        try
        {
            using var run = new QueueRun();
            (string, string?)[] database = [("SvdWeb:Database:Provider", "postgres"), ("SvdWeb:Database:ConnectionString", connection), ("SvdWeb:Queue:PollInterval", "00:00:00.1")];
            await using var web = new QueueNode(media, Settings([.. database, ("SvdWeb:Role", "web")]), kestrel: true);
            web.StartServer();
            await using var worker = new QueueNode(media, Settings([.. database, ("SvdWeb:Role", "worker"), .. Devices()]), NoOpRunner(run));
            worker.StartServer();
            foreach (var node in new[] { web, worker })
                await node.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30), ct);
            // Workers claim only jobs of a pack they have with the same files: the jobs name the pack as a web node would.
            var pack = (await worker.Services.GetRequiredService<WorkerRegistry>().LocalOffersAsync(ct)).First(o => o.Name == "tiny-svd");
            return await MeasureAsync($"PostgreSQL {await ServerVersionAsync(web.Services, ct)}, web node + worker node (3 workers)", run, web, pack, jobs, owners, ct);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    private static async Task<QueueFigures> SqliteAsync(int jobs, int owners, CancellationToken ct)
    {
        var media = Directory.CreateTempSubdirectory("svdweb-bench-").FullName;
        try
        {
            using var run = new QueueRun();
            await using var node = new QueueNode(media, Settings([("SvdWeb:Queue:PollInterval", "00:00:00.1"), .. Devices()]), NoOpRunner(run), kestrel: true);
            node.StartServer();
            return await MeasureAsync("SQLite, one process (3 device workers)", run, node, new PackOffer("tiny-svd", new string('0', 64)), jobs, owners, ct);
        }
        finally
        {
            Directory.Delete(media, recursive: true);
        }
    }

    // Three device names only so that each worker has a name of its own (host:pid:device): the no-op runner uses no device.
    private static (string, string?)[] Devices() => [.. Enumerable.Range(0, Workers).Select(i => ($"SvdWeb:Devices:{i}", (string?)$"cuda:{i}"))];

    private static Action<IServiceCollection> NoOpRunner(QueueRun run) =>
        services => services.AddSingleton<IJobRunner>(provider => ActivatorUtilities.CreateInstance<NoOpJobRunner>(provider, run));

    private static async Task<QueueFigures> MeasureAsync(string setup, QueueRun run, QueueNode pages, PackOffer pack, int jobs, int owners, CancellationToken ct)
    {
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(pages.ServerAddress, ProgressHub.Path), HttpTransportType.WebSockets)
            .AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();
        var finals = 0;
        var hubDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            var round = run.Current;
            round.Received(p, round.ToHub);
            if (p.IsFinal && Interlocked.Increment(ref finals) == round.Jobs) hubDone.TrySetResult();
        });
        await hub.StartAsync(ct);
        using var subscription = pages.Services.GetRequiredService<JobProgressBroadcaster>().Subscribe(null, p => run.Current.Received(p, run.Current.ToBroadcaster));

        // A warm-up round first: the first claims and writes of a process compile its queries.
        foreach (var count in new[] { WarmUpJobs, jobs })
        {
            var round = run.Begin(count);
            finals = 0;
            hubDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
            // Followed before the rows exist, so the client misses no event; a job not (yet) stored may be followed.
            foreach (var id in ids) await hub.InvokeAsync(nameof(ProgressHub.Follow), id, ct);

            await InsertAsync(pages.Services, ids, owners, pack, ct);
            await round.AllCompleted.WaitAsync(TimeSpan.FromMinutes(10), ct);
            try
            {
                await hubDone.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            }
            catch (TimeoutException)
            {
                // Reported below: the relay drops the oldest events when the database is slower than the progress.
            }
            await using var db = await pages.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
            var once = await db.Jobs.CountAsync(g => ids.Contains(g.Id) && g.Status == JobStatus.Succeeded && g.Attempt == 1, ct);
            var byWorker = await db.Jobs.Where(g => ids.Contains(g.Id)).GroupBy(g => g.LeaseOwner).Select(g => g.Count()).ToListAsync(ct);
            if (once != count) throw new InvalidOperationException($"{count - once} jobs did not run exactly once.");
            if (count == jobs)
            {
                Console.WriteLine($"{setup}: {once} of {count} jobs succeeded on their first attempt; jobs per worker: {string.Join(", ", byWorker)}; " +
                    $"{round.Claims.Count} claims; progress events published {round.SentCount}, reached the broadcaster {round.ToBroadcaster.Count}, the hub client {round.ToHub.Count}");
                return new QueueFigures(setup, round);
            }
        }
        throw new InvalidOperationException("Unreachable: the last round returns.");
    }

    /// <summary>The waiting jobs, stored as a web node stores them (owners taking turns), in one transaction: the workers see all at once.</summary>
    private static async Task InsertAsync(IServiceProvider services, Guid[] ids, int owners, PackOffer pack, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var order = await QueuePlan.NextOrderAsync(db, ct);
        var now = DateTime.UtcNow;
        for (var i = 0; i < ids.Length; i++)
        {
            var owner = $"user{i % owners}";
            db.Jobs.Add(new Job
            {
                Id = ids[i],
                CreatedUtc = now,
                Status = JobStatus.Queued,
                QueueOrder = order + i,
                OwnerId = owner,
                OwnerName = owner,
                ModelName = pack.Name,
                ModelHash = pack.Hash,
                Recipe = Recipe,
                MediaFolder = ids[i].ToString("N"),
                InputFileName = "input.png",
                InputFile = "input.png",
                InputSha256 = new string('0', 64),
            });
        }
        await db.SaveChangesAsync(ct);
    }

    private static async Task<string> ServerVersionAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var version = await db.Database.SqlQuery<string>($"SELECT current_setting('server_version') AS \"Value\"").SingleAsync(ct);
        return version.Split(' ')[0];
    }
}
