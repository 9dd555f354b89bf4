using System.Net.Http.Json;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Tests.Integration;

namespace SvdWeb.Tests;

/// <summary>
/// Waits on a job through the REST API, as a script would: the job's own row is the truth across hosts and restarts,
/// where a progress event may come before the row is written. Each wait ends as soon as the state is seen, or fails
/// naming the job and what it was still doing.
/// </summary>
public static class JobPolls
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Until the job has <paramref name="status"/> (at most a minute).</summary>
    public static async Task WaitForStatusAsync(HttpClient client, Guid id, JobStatus status, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var job = await GetAsync(client, id, ct);
            if (job.Status == status) return;
            Assert.True(DateTime.UtcNow < deadline, $"Job {id} never became {status}; it is {job.Status}.");
            await Task.Delay(Interval, ct);
        }
    }

    /// <summary>Until the job is neither queued nor running (at most two minutes); returns it as it ended.</summary>
    public static async Task<JobDto> WaitForEndAsync(HttpClient client, Guid id, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var job = await GetAsync(client, id, ct);
            if (job.Status is not (JobStatus.Queued or JobStatus.Running)) return job;
            Assert.True(DateTime.UtcNow < deadline, $"Job {id} still {job.Status} after 2 minutes.");
            await Task.Delay(Interval, ct);
        }
    }

    /// <summary>
    /// Until <paramref name="steps"/> denoising steps of the job are done (at most a minute): the run is inside its
    /// loop, as the REST API reports its progress (a server in another process).
    /// </summary>
    public static async Task WaitForDenoisedAsync(HttpClient client, Guid id, int steps, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var job = await GetAsync(client, id, ct);
            if (job.Progress is { Stage: SvdStage.Denoising } progress && progress.Step >= steps) return;
            Assert.True(DateTime.UtcNow < deadline, $"Job {id} did not reach denoising step {steps} within a minute; it is {job.Status}, {job.Progress?.ToString() ?? "no progress"}.");
            await Task.Delay(Interval, ct);
        }
    }

    private static async Task<JobDto> GetAsync(HttpClient client, Guid id, CancellationToken ct) =>
        (await client.GetFromJsonAsync<JobDto>($"/api/jobs/{id}", JobRequests.Json, ct))!;
}
