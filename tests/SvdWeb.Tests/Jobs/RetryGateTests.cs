using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Jobs;

/// <summary>
/// A retry passes the same gate as a new submission. Each job is cancelled under one configuration and retried after a
/// restart (a second host on the same data folder and SQLite file) under a stricter one.
/// </summary>
public sealed class RetryGateTests : IDisposable
{
    private const string SlowRecipe = """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""";

    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-retry-").FullName;

    [Fact]
    public async Task Retry_RecipeNoLongerFitsGpuMemory_RefusedAndStaysCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CancelledJobAsync("""{"numInferenceSteps":1,"seed":1}""", ct);
        // Less than the tiny pack's defaults need with all 6 frames decoded at once; the memory options are off, so
        // the guard cannot make the recipe fit by offloading or chunking.
        var available = GpuMemoryEstimator.Estimate(ModelPack.Load(Fixtures.TinyPack), new MemoryRecipe(6, 64, 128, 3, 1, Guidance: true)).TotalBytes;
        await using var strict = new SvdWebFactory(_data, settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Inference:GpuMemoryBytes"] = available.ToString(CultureInfo.InvariantCulture),
            ["SvdWeb:Inference:ModelCpuOffload"] = "Never",
            ["SvdWeb:Inference:ForwardChunking"] = "Never",
        });
        var service = strict.Services.GetRequiredService<JobService>();

        await Assert.ThrowsAsync<InsufficientGpuMemoryException>(() => service.RetryAsync(id, JobOwner.Local, ct));

        Assert.Equal(JobStatus.Cancelled, (await service.FindAsync(id, ct))!.Status);
    }

    [Fact]
    public async Task Retry_OwnerAtTheirQueueLimit_Refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await CancelledJobAsync(JobRequests.SmallRecipe, ct);
        await using var strict = new SvdWebFactory(_data, settings: new Dictionary<string, string?> { ["SvdWeb:MaxQueuedJobsPerUser"] = "1" });
        var client = strict.CreateClient();
        var running = await SubmitAsync(client, SlowRecipe, ct);
        await JobPolls.WaitForStatusAsync(client, running, JobStatus.Running, ct);
        await SubmitAsync(client, JobRequests.SmallRecipe, ct);
        var service = strict.Services.GetRequiredService<JobService>();

        await Assert.ThrowsAsync<UserQueueLimitException>(() => service.RetryAsync(id, JobOwner.Local, ct));

        Assert.Equal(JobStatus.Cancelled, (await service.FindAsync(id, ct))!.Status);
        await client.PostAsync($"/api/jobs/{running}/cancel", null, ct);
    }

    /// <summary>A job of the local user, submitted and cancelled on a host that is then stopped.</summary>
    private async Task<Guid> CancelledJobAsync(string recipe, CancellationToken ct)
    {
        await using var first = new SvdWebFactory(_data);
        var client = first.CreateClient();
        var id = await SubmitAsync(client, recipe, ct);
        await client.PostAsync($"/api/jobs/{id}/cancel", null, ct);
        var ended = await JobPolls.WaitForEndAsync(client, id, ct);
        // A tiny job may finish before the cancel lands; only a cancelled one can be retried.
        Assert.SkipWhen(ended.Status != JobStatus.Cancelled, $"The job ended {ended.Status} before it could be cancelled.");
        return id;
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }


    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }
}
