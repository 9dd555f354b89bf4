using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// Live events between processes through a real PostgreSQL's LISTEN/NOTIFY: a page or hub client on web node B
/// follows a job that node A runs, step by step with previews, and sees visibility changes made on A.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresProgressRelayTests(PostgresServer server) : IAsyncDisposable
{
    private readonly List<SvdWebFactory> _nodes = [];
    private readonly string _media = Directory.CreateTempSubdirectory("svdweb-relay-").FullName;

    private async Task<(SvdWebFactory Runner, SvdWebFactory Web)> NodesAsync(CancellationToken ct)
    {
        Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
        var connection = await server.CreateDatabaseAsync(ct);
        SvdWebFactory Node(string role)
        {
            var node = new SvdWebFactory(_media, settings: new Dictionary<string, string?>
            {
                ["SvdWeb:Database:Provider"] = "postgres",
                ["SvdWeb:Database:ConnectionString"] = connection,
                ["SvdWeb:Role"] = role,
            });
            _nodes.Add(node);
            _ = node.Server;
            return node;
        }
        var runner = Node("all");
        var web = Node("web");
        foreach (var node in new[] { runner, web })
            await node.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return (runner, web);
    }

    [Fact]
    public async Task HubClientOnWebNode_FollowsJobRunByAnotherNode_StepsInOrderPreviewsThenSucceeded()
    {
        var ct = TestContext.Current.CancellationToken;
        var (runner, web) = await NodesAsync(ct);
        await using var hub = Integration.ProgressHubClient.LongPolling(web.Server);
        var received = new List<JobProgress>();
        var finished = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            lock (received) received.Add(p);
            if (p.IsFinal) finished.TrySetResult(p);
        });
        await hub.StartAsync(ct);
        var client = runner.CreateClient();

        // A slow job first, so the followed one is still waiting when the client on node B follows it.
        var blocker = await SubmitAsync(client, """{"height":128,"width":256,"numFrames":6,"numInferenceSteps":8,"seed":1}""", ct);
        var followed = await SubmitAsync(client, """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":5,"decodeChunkSize":2,"seed":7}""", ct);
        await hub.InvokeAsync("Follow", followed, ct);

        var last = await finished.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);

        Assert.Equal(JobStatus.Succeeded, last.Status);
        JobProgress[] events;
        lock (received) events = [.. received];
        Assert.All(events, e => Assert.Equal(followed, e.JobId));
        Assert.Equal([1, 2, 3, 4, 5], events.Where(e => e is { Stage: SvdStage.Denoising, Step: > 0 }).Select(e => e.Step));
        Assert.Contains(events, e => e.PreviewPng is { Length: > 8 } png && png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        // Node B's own pages (in-process subscribers) know the job's last state too.
        Assert.Equal(JobStatus.Succeeded, web.Services.GetRequiredService<JobProgressBroadcaster>().Latest(followed)?.Status);
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, blocker, ct)).Status);
    }

    [Fact]
    public async Task PreviewLargerThanOneNotification_ArrivesWholeOnTheOtherNode()
    {
        var ct = TestContext.Current.CancellationToken;
        var (runner, web) = await NodesAsync(ct);
        var job = Guid.NewGuid();
        var preview = new byte[50_000];
        Random.Shared.NextBytes(preview);
        var arrived = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = web.Services.GetRequiredService<JobProgressBroadcaster>().Subscribe(job, p => arrived.TrySetResult(p));

        runner.Services.GetRequiredService<JobProgressBroadcaster>().Publish(
            new JobProgress(job, JobStatus.Running, SvdStage.Denoising, 3, 25, 0.1, 4.5, 30, "step 3 of 25 · ×", preview));

        var progress = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal((3, 25, "step 3 of 25 · ×"), (progress.Step, progress.TotalSteps, progress.Message));
        Assert.Equal(preview, progress.PreviewPng);
    }

    [Fact]
    public async Task MadePrivateOnOneNode_PagesOnTheOtherCheckAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (runner, web) = await NodesAsync(ct);
        var job = await QueueRows.AddAsync(runner.Services, "alice", ct);
        var rechecked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = web.Services.GetRequiredService<JobProgressBroadcaster>().WatchVisibility(job, () => rechecked.TrySetResult());

        Assert.True(await runner.Services.GetRequiredService<JobService>().SetPrivateAsync(job, true, ct));

        await rechecked.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task DeletedOnOneNode_GalleriesOnTheOtherListAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (runner, web) = await NodesAsync(ct);
        var job = await QueueRows.AddAsync(runner.Services, "alice", ct);
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = web.Services.GetRequiredService<JobProgressBroadcaster>().WatchGallery(() => listed.TrySetResult());

        Assert.True(await runner.Services.GetRequiredService<JobService>().DeleteAsync(job, ct));

        await listed.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(SvdWeb.TestSupport.Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.JobDto>(response.Content, JobRequests.Json, ct))!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        try
        {
            Directory.Delete(_media, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
