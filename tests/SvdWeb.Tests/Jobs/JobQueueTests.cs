using SvdWeb.Jobs;

namespace SvdWeb.Tests.Jobs;

/// <summary>The round-robin order on its own: no host, no worker, only the queue.</summary>
public sealed class JobQueueTests
{
    private static readonly Guid[] Ids = Enumerable.Range(1, 8).Select(i => new Guid(i, 0, 0, new byte[8])).ToArray();

    [Fact]
    public async Task DequeueAsync_OneOwnerManyJobsOtherOwnerOne_AlternatesOwners()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new JobQueue();
        foreach (var id in Ids[..4]) queue.Enqueue(id, "a");
        queue.Enqueue(Ids[4], "b");

        var taken = new List<Guid>();
        for (var i = 0; i < 5; i++) taken.Add(await queue.DequeueAsync(ct));

        Assert.Equal([Ids[0], Ids[4], Ids[1], Ids[2], Ids[3]], taken);
    }

    [Fact]
    public void PlannedOrder_ThreeOwners_MatchesRoundRobin()
    {
        var queue = new JobQueue();
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
        var queue = new JobQueue();
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
        var queue = new JobQueue();
        queue.RestoreServedOrder(["b", "a"]);
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "b");

        Assert.Equal(Ids[1], await queue.DequeueAsync(ct));
        Assert.Equal(Ids[0], await queue.DequeueAsync(ct));
    }

    [Fact]
    public async Task Move_FrontOtherOwnersLastJob_RunsNextAndCountsAsOwnersTurn()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "b");
        queue.Enqueue(Ids[2], "a");
        queue.Enqueue(Ids[3], "b");

        var result = queue.Move(Ids[3], QueueMove.Front);

        Assert.Null(result.Refusal);
        Assert.Equal([new QueuePlace(Ids[3], -1, Pinned: true)], result.Changed);
        // b's pinned job was b's turn: a goes next, then round-robin as before.
        Assert.Equal([Ids[3], Ids[0], Ids[1], Ids[2]], queue.PlannedOrder());
        var taken = new List<Guid>();
        for (var i = 0; i < 4; i++) taken.Add(await queue.DequeueAsync(ct));
        Assert.Equal([Ids[3], Ids[0], Ids[1], Ids[2]], taken);
    }

    [Fact]
    public void Move_FrontTwice_LatestPinnedRunsFirstAndUpSwapsPinned()
    {
        var queue = new JobQueue();
        foreach (var (id, owner) in new[] { (Ids[0], "a"), (Ids[1], "a"), (Ids[2], "b"), (Ids[3], "c") }) queue.Enqueue(id, owner);

        queue.Move(Ids[1], QueueMove.Front);
        queue.Move(Ids[3], QueueMove.Front);
        Assert.Equal([Ids[3], Ids[1], Ids[2], Ids[0]], queue.PlannedOrder());

        var up = queue.Move(Ids[1], QueueMove.Up);

        Assert.Null(up.Refusal);
        Assert.Equal([new QueuePlace(Ids[1], -2, Pinned: true), new QueuePlace(Ids[3], -1, Pinned: true)], up.Changed);
        Assert.Equal([Ids[1], Ids[3], Ids[2], Ids[0]], queue.PlannedOrder());
    }

    [Fact]
    public void Move_UpWithinOwnersLine_SwapsOnlyThatOwnersJobsAndKeepsTurns()
    {
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a", order: 1);
        queue.Enqueue(Ids[1], "b", order: 2);
        queue.Enqueue(Ids[2], "a", order: 3);
        queue.Enqueue(Ids[3], "a", order: 4);
        Assert.Equal([Ids[0], Ids[1], Ids[2], Ids[3]], queue.PlannedOrder());

        var up = queue.Move(Ids[3], QueueMove.Up);
        var down = queue.Move(Ids[0], QueueMove.Down);

        Assert.Equal([new QueuePlace(Ids[3], 3, Pinned: false), new QueuePlace(Ids[2], 4, Pinned: false)], up.Changed);
        Assert.Equal([new QueuePlace(Ids[0], 3, Pinned: false), new QueuePlace(Ids[3], 1, Pinned: false)], down.Changed);
        // a keeps the first turn (its line's head keeps order 1), b keeps the second.
        Assert.Equal([Ids[3], Ids[1], Ids[0], Ids[2]], queue.PlannedOrder());
    }

    [Fact]
    public void Move_FirstOfLineUpOrNotWaiting_RefusedWithReasonNothingChanged()
    {
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "b");

        var first = queue.Move(Ids[1], QueueMove.Up);
        var last = queue.Move(Ids[1], QueueMove.Down);
        var absent = queue.Move(Ids[5], QueueMove.Front);

        Assert.Contains("already the first of its owner's waiting jobs. Move it to the front", first.Refusal, StringComparison.Ordinal);
        Assert.Contains("already the last of its owner's waiting jobs", last.Refusal, StringComparison.Ordinal);
        Assert.Contains("is not waiting in the queue", absent.Refusal, StringComparison.Ordinal);
        Assert.All([first, last, absent], r => Assert.Empty(r.Changed));
        Assert.Equal([Ids[0], Ids[1]], queue.PlannedOrder());
    }

    [Fact]
    public void Move_UnpinAfterFront_BackAtOriginalPlaceInOwnersLine()
    {
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a", order: 1);
        queue.Enqueue(Ids[1], "a", order: 2);
        queue.Enqueue(Ids[2], "b", order: 3);
        queue.Enqueue(Ids[3], "a", order: 4);
        var before = queue.PlannedOrder();
        queue.Move(Ids[1], QueueMove.Front);
        Assert.Equal([Ids[1], Ids[2], Ids[0], Ids[3]], queue.PlannedOrder());

        var unpin = queue.Move(Ids[1], QueueMove.Unpin);

        Assert.Null(unpin.Refusal);
        Assert.Equal([new QueuePlace(Ids[1], 2, Pinned: false)], unpin.Changed);
        // Between a's first and last job again, so the whole plan is the one before the pin.
        Assert.Equal([Ids[0], Ids[2], Ids[1], Ids[3]], before);
        Assert.Equal(before, queue.PlannedOrder());
    }

    [Fact]
    public void Move_UnpinOneOfThreePinnedAfterSwap_OthersKeepPinnedOrderJobKeepsItsOrderNumber()
    {
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a", order: 1);
        queue.Enqueue(Ids[1], "a", order: 2);
        queue.Enqueue(Ids[2], "b", order: 3);
        queue.Enqueue(Ids[3], "c", order: 4);
        queue.Enqueue(Ids[4], "a", order: 5);
        queue.Move(Ids[0], QueueMove.Front);
        queue.Move(Ids[2], QueueMove.Front);
        queue.Move(Ids[3], QueueMove.Front);
        // The swap exchanges pin ranks, not order numbers: a's job must still come back as a's first.
        queue.Move(Ids[0], QueueMove.Up);
        Assert.Equal([Ids[3], Ids[0], Ids[2], Ids[1], Ids[4]], queue.PlannedOrder());

        var unpin = queue.Move(Ids[0], QueueMove.Unpin);

        Assert.Null(unpin.Refusal);
        Assert.Equal([new QueuePlace(Ids[0], 1, Pinned: false)], unpin.Changed);
        // c's and b's pinned jobs keep their order and their owners' turns; then a's line from its first job.
        Assert.Equal([Ids[3], Ids[2], Ids[0], Ids[1], Ids[4]], queue.PlannedOrder());
    }

    [Fact]
    public void Move_UnpinStoredPinAfterRestart_BackAtStoredOrder()
    {
        var queue = new JobQueue();
        // As startup recovery enqueues a row pinned before the restart: its QueueOrder came back with it.
        queue.Enqueue(Ids[0], "a", order: 6);
        queue.Enqueue(Ids[1], "a", order: 5, pinRank: -1);
        queue.Enqueue(Ids[2], "a", order: 4);
        Assert.Equal([Ids[1], Ids[2], Ids[0]], queue.PlannedOrder());

        var unpin = queue.Move(Ids[1], QueueMove.Unpin);

        Assert.Equal([new QueuePlace(Ids[1], 5, Pinned: false)], unpin.Changed);
        Assert.Equal([Ids[2], Ids[1], Ids[0]], queue.PlannedOrder());
    }

    [Fact]
    public void Move_UnpinJobNotPinnedOrNotWaiting_RefusedWithReasonNothingChanged()
    {
        var queue = new JobQueue();
        queue.Enqueue(Ids[0], "a");
        queue.Enqueue(Ids[1], "b");
        queue.Move(Ids[1], QueueMove.Front);

        var notPinned = queue.Move(Ids[0], QueueMove.Unpin);
        var absent = queue.Move(Ids[5], QueueMove.Unpin);

        Assert.Equal($"Job {Ids[0]} is not pinned to the front; only a job moved to the front can be unpinned.", notPinned.Refusal);
        Assert.Contains("is not waiting in the queue", absent.Refusal, StringComparison.Ordinal);
        Assert.All([notPinned, absent], r => Assert.Empty(r.Changed));
        Assert.Equal([Ids[1], Ids[0]], queue.PlannedOrder());
    }

    [Fact]
    public async Task Enqueue_StoredPlacesInAnyOrder_RestoresLinesAndPins()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = new JobQueue();
        // As startup recovery does after a restart: stored QueueOrder and PinRank, rows in any order.
        queue.Enqueue(Ids[2], "a", order: 7);
        queue.Enqueue(Ids[0], "a", order: 5);
        queue.Enqueue(Ids[1], "b", order: 6, pinRank: -1);

        Assert.Equal([Ids[1], Ids[0], Ids[2]], queue.PlannedOrder());
        Assert.Equal(8, queue.NextOrder());
        Assert.Equal(Ids[1], await queue.DequeueAsync(ct));
    }
}
