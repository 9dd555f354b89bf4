using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Jobs;
using SvdWeb.Tests.Components;
using SvdWeb.Tests.Postgres;

namespace SvdWeb.Tests.Jobs;

/// <summary>The claim's instrument and the fenced outcome write, on the real services and SQLite file. No worker.</summary>
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
}
