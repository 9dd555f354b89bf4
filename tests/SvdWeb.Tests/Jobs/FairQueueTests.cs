using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Jobs;

/// <summary>Round-robin across owners on the real host: one CPU worker, real SQLite file, the tiny pack.</summary>
public sealed class FairQueueTests : IDisposable
{
    private static readonly JobOwner Alice = new("alice-id", "alice");
    private static readonly JobOwner Bob = new("bob-id", "bob");
    private static readonly SvdRecipe Long = new() { Height = 256, Width = 512, NumFrames = 14, NumInferenceSteps = 50, Seed = 1 };
    private static readonly SvdRecipe Small = new() { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, DecodeChunkSize = 2, Seed = 42 };

    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-fair-").FullName;

    [Fact]
    public async Task Worker_OwnerAFiveJobsOwnerBOne_BRunsDirectlyAfterAsFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        using var factory = new SvdWebFactory(_data);
        var service = factory.Services.GetRequiredService<JobService>();
        var serviceServices = factory.Services;
        var first = await SubmitAsync(service, Long, Alice, ct);
        await ProgressWaits.UntilStatusAsync(serviceServices, first, JobStatus.Running, ct);
        var alicesRest = new List<Guid>();
        for (var i = 0; i < 4; i++) alicesRest.Add(await SubmitAsync(service, Small, Alice, ct));
        var bobs = await SubmitAsync(service, Small, Bob, ct);

        await service.CancelAsync(first, ct);
        var jobs = new List<Job>();
        foreach (var id in (Guid[])[first, .. alicesRest, bobs]) jobs.Add(await ProgressWaits.UntilEndAsync(serviceServices, id, ct));

        Assert.All(jobs.Skip(1), j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Equal([first, bobs, .. alicesRest], jobs.OrderBy(j => j.StartedUtc).Select(j => j.Id));
    }

    [Fact]
    public async Task Submit_OverPerUserLimit_RefusedNamingSettingOthersStillAdmitted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var factory = new SvdWebFactory(_data, settings: new Dictionary<string, string?> { ["SvdWeb:MaxQueuedJobsPerUser"] = "2" });
        var service = factory.Services.GetRequiredService<JobService>();
        var serviceServices = factory.Services;
        var blocker = await SubmitAsync(service, Long, Bob, ct);
        await ProgressWaits.UntilStatusAsync(serviceServices, blocker, JobStatus.Running, ct);
        await SubmitAsync(service, Small, Alice, ct);
        await SubmitAsync(service, Small, Alice, ct);

        var refused = await Assert.ThrowsAsync<UserQueueLimitException>(() => SubmitAsync(service, Small, Alice, ct));

        Assert.Contains("You already have 2 jobs waiting", refused.Message, StringComparison.Ordinal);
        Assert.Contains("SvdWeb:MaxQueuedJobsPerUser", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was stored", refused.Message, StringComparison.Ordinal);
        var bobsNext = await SubmitAsync(service, Small, Bob, ct);
        Assert.Equal(JobStatus.Queued, (await service.FindAsync(bobsNext, ct))!.Status);
        await service.CancelAsync(blocker, ct);
    }

    [Fact]
    public async Task Restart_OwnerServedBeforeStop_OtherOwnerRunsFirstAfterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid alicesA, alicesB, bobs;
        Guid running;
        using (var first = new SvdWebFactory(_data))
        {
            var service = first.Services.GetRequiredService<JobService>();
            var serviceServices = first.Services;
            running = await SubmitAsync(service, Long, Alice, ct);
            await ProgressWaits.UntilStatusAsync(serviceServices, running, JobStatus.Running, ct);
            alicesA = await SubmitAsync(service, Small, Alice, ct);
            alicesB = await SubmitAsync(service, Small, Alice, ct);
            bobs = await SubmitAsync(service, Small, Bob, ct);
        } // stops mid-job: Alice was served last, Bob is owed the next turn even though Alice's jobs are older

        using var second = new SvdWebFactory(_data);
        var restartedServices = await CancelRequeuedLongRunAsync(second, running, ct);
        var jobs = new List<Job>();
        foreach (var id in (Guid[])[alicesA, alicesB, bobs]) jobs.Add(await ProgressWaits.UntilEndAsync(restartedServices, id, ct));

        Assert.All(jobs, j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Equal([bobs, alicesA, alicesB], jobs.OrderBy(j => j.StartedUtc).Select(j => j.Id));
    }

    [Fact]
    public async Task Move_FrontAndUpBeforeRestart_OrderStoredAndKeptAfterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid alicesA, alicesB, alicesC, bobs;
        Guid running;
        using (var first = new SvdWebFactory(_data))
        {
            var service = first.Services.GetRequiredService<JobService>();
            var serviceServices = first.Services;
            running = await SubmitAsync(service, Long, Bob, ct);
            await ProgressWaits.UntilStatusAsync(serviceServices, running, JobStatus.Running, ct);
            alicesA = await SubmitAsync(service, Small, Alice, ct);
            alicesB = await SubmitAsync(service, Small, Alice, ct);
            alicesC = await SubmitAsync(service, Small, Alice, ct);
            bobs = await SubmitAsync(service, Small, Bob, ct);
            // Unmoved, the order after the restart would be Alice's A, Bob's, Alice's B, C (Bob ran last).
            Assert.Null(await service.MoveAsync(bobs, QueueMove.Front, ct));
            Assert.Null(await service.MoveAsync(alicesC, QueueMove.Up, ct));
            Assert.NotNull((await service.FindAsync(bobs, ct))!.PinRank);
        } // stops mid-job: the queue in memory is gone, only the rows remain

        using var second = new SvdWebFactory(_data);
        var restartedServices = await CancelRequeuedLongRunAsync(second, running, ct);
        var jobs = new List<Job>();
        foreach (var id in (Guid[])[alicesA, alicesB, alicesC, bobs]) jobs.Add(await ProgressWaits.UntilEndAsync(restartedServices, id, ct));

        Assert.All(jobs, j => Assert.Equal(JobStatus.Succeeded, j.Status));
        Assert.Equal([bobs, alicesA, alicesC, alicesB], jobs.OrderBy(j => j.StartedUtc).Select(j => j.Id));
    }

    [Fact]
    public async Task Move_UnpinBeforeRestart_JobBackInOwnersLineAfterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid alicesA, alicesB, alicesC, bobs;
        Guid running;
        using (var first = new SvdWebFactory(_data))
        {
            var service = first.Services.GetRequiredService<JobService>();
            var serviceServices = first.Services;
            running = await SubmitAsync(service, Long, Bob, ct);
            await ProgressWaits.UntilStatusAsync(serviceServices, running, JobStatus.Running, ct);
            alicesA = await SubmitAsync(service, Small, Alice, ct);
            alicesB = await SubmitAsync(service, Small, Alice, ct);
            alicesC = await SubmitAsync(service, Small, Alice, ct);
            bobs = await SubmitAsync(service, Small, Bob, ct);
            Assert.Null(await service.MoveAsync(alicesB, QueueMove.Front, ct));
            Assert.Null(await service.MoveAsync(bobs, QueueMove.Front, ct));
            Assert.Null(await service.MoveAsync(alicesB, QueueMove.Unpin, ct));
            Assert.Null((await service.FindAsync(alicesB, ct))!.PinRank);
            Assert.NotNull((await service.FindAsync(bobs, ct))!.PinRank);
        } // stops mid-job: the queue in memory is gone, only the rows remain

        using var second = new SvdWebFactory(_data);
        var restartedServices = await CancelRequeuedLongRunAsync(second, running, ct);
        var jobs = new List<Job>();
        foreach (var id in (Guid[])[alicesA, alicesB, alicesC, bobs]) jobs.Add(await ProgressWaits.UntilEndAsync(restartedServices, id, ct));

        Assert.All(jobs, j => Assert.Equal(JobStatus.Succeeded, j.Status));
        // Still pinned, B would run right after Bob's pinned job; unpinned, it waits behind A in Alice's line.
        Assert.Equal([bobs, alicesA, alicesB, alicesC], jobs.OrderBy(j => j.StartedUtc).Select(j => j.Id));
    }

    /// <summary>
    /// The run stopped with the first host went back to its place (a normal stop requeues it); it is long and not what
    /// the restart tests order, so it is cancelled on the restarted host, whose services are returned.
    /// </summary>
    private static async Task<IServiceProvider> CancelRequeuedLongRunAsync(SvdWebFactory restarted, Guid running, CancellationToken ct)
    {
        await restarted.Services.GetRequiredService<JobService>().CancelAsync(running, ct);
        return restarted.Services;
    }

    internal static async Task<Guid> SubmitAsync(JobService service, SvdRecipe recipe, JobOwner owner, CancellationToken ct)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await service.SubmitAsync(image, "logo.png", recipe, owner, ct)).Id;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
