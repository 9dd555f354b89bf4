using SvdWeb.Jobs;

namespace SvdWeb.Tests.Jobs;

/// <summary>The round-robin order on its own: no host, no worker, only the queue.</summary>
public sealed class GenerationQueueTests
{
    private static readonly Guid[] Ids = Enumerable.Range(1, 8).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();

    [Fact]
    public async Task DequeueAsync_OneOwnerManyJobsOtherOwnerOne_AlternatesOwners()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new GenerationQueue();
        foreach (var id in Ids[..4]) queue.Enqueue(id, "a");
        queue.Enqueue(Ids[4], "b");

        var taken = new List<Guid>();
        for (var i = 0; i < 5; i++) taken.Add(await queue.DequeueAsync(ct));

        Assert.Equal([Ids[0], Ids[4], Ids[1], Ids[2], Ids[3]], taken);
    }

    [Fact]
    public void PlannedOrder_ThreeOwners_MatchesRoundRobin()
    {
        var queue = new GenerationQueue();
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "a");
        queue.Enqueue(Ids[2], "b");
        queue.Enqueue(Ids[3], "c");
        queue.Enqueue(Ids[4], "b");

        Assert.Equal([Ids[0], Ids[2], Ids[3], Ids[1], Ids[4]], queue.PlannedOrder());
    }

    [Fact]
    public async Task Remove_WaitingJob_NeverHandedOut()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new GenerationQueue();
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "a");

        Assert.True(queue.Remove(Ids[0]));

        Assert.Equal(Ids[1], await queue.DequeueAsync(ct));
        using var nothingLeft = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.DequeueAsync(nothingLeft.Token));
    }

    [Fact]
    public async Task RestoreServedOrder_OwnerServedLast_WaitsForTheOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new GenerationQueue();
        queue.RestoreServedOrder(["b", "a"]);
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "b");

        Assert.Equal(Ids[1], await queue.DequeueAsync(ct));
        Assert.Equal(Ids[0], await queue.DequeueAsync(ct));
    }
}
