using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>The SignalR hub gives non-Blazor clients the same progress events as the pages.</summary>
public sealed class ProgressHubTests : IAsyncDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Follow_SubmittedJob_ReceivesStepsInOrderThenSucceeded()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var server = _factory.Server;
        await using var hub = ProgressHubClient.LongPolling(server);
        var received = new List<JobProgress>();
        var finished = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JobProgress>(ProgressHub.ProgressMethod, p =>
        {
            lock (received) received.Add(p);
            if (p.IsFinal) finished.TrySetResult(p);
        });
        await hub.StartAsync(ct);

        // Queue a slow job first so the followed one is still waiting when we subscribe.
        var blocker = await SubmitAsync(client, """{"height":128,"width":256,"numFrames":6,"numInferenceSteps":8,"seed":1}""", ct);
        var followed = await SubmitAsync(client, """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":5,"decodeChunkSize":2,"seed":7}""", ct);
        await hub.InvokeAsync("Follow", followed, ct);

        var last = await finished.Task.WaitAsync(TimeSpan.FromMinutes(2), ct);

        Assert.Equal(JobStatus.Succeeded, last.Status);
        JobProgress[] events;
        lock (received) events = [.. received];
        Assert.All(events, e => Assert.Equal(followed, e.JobId));
        var steps = events.Where(e => e is { Stage: SvdStage.Denoising, Step: > 0 }).Select(e => e.Step).ToArray();
        Assert.Equal([1, 2, 3, 4, 5], steps);
        Assert.Equal([1, 2], events.Where(e => e is { Stage: SvdStage.Decoding, Step: > 0 }).Select(e => e.Step));
        for (var i = 1; i < events.Length; i++) Assert.True(events[i].Fraction >= events[i - 1].Fraction);
        Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, blocker, ct)).Status);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
