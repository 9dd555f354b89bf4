namespace SvdWeb.Jobs;

/// <summary>
/// The queue's rules: job ids waiting for a worker, one line per owner, served round-robin: a worker takes the oldest
/// waiting job of the owner who was served least recently, so one person's thirty jobs never starve another's one.
/// The rows are the queue; <see cref="QueuePlan"/> fills one of these from them (the Queued rows at their stored places
/// and who was served last, <see cref="RestoreServedOrder"/>) for every claim, move and queue page, and
/// <see cref="JobClaims"/> takes the first of <see cref="PlannedOrder"/>.
/// </summary>
/// <remarks>
/// Admin moves (<see cref="Move"/>) are defined so that they never break fairness for anyone they do not name:
/// <list type="bullet">
/// <item>"Front" pins a job: pinned jobs run before the round-robin pick, the latest pinned first (it went to the
/// front of the line). Running a pinned job is its owner's turn, so the others are not owed twice.</item>
/// <item>"Unpin" undoes "Front": the job leaves the pinned jobs and goes back into its owner's line at its order number,
/// which it keeps while pinned, as if it had never been pinned. The other pinned jobs keep their order, and so do the
/// other jobs in the owner's line; only a job that is pinned can be unpinned.</item>
/// <item>"Up"/"Down" swap a job with its neighbour in its own group: among the pinned jobs if pinned, else within its
/// owner's own waiting jobs. Across owners the order stays the round-robin's, which an admin cannot break by accident;
/// to run someone's job before others, move it to the front.</item>
/// </list>
/// A swap in an owner's line exchanges the jobs but keeps each slot's order number, so reordering one's own line never
/// changes whose turn comes first. A swap among the pinned jobs keeps the slots' pin ranks instead, and each job its
/// order number, so an unpinned job still returns to its own place.
/// </remarks>
public sealed class JobQueue
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OwnerLine> _lines = new(StringComparer.Ordinal);
    // Lowest rank first; Front takes a rank below every other, so the latest pin runs next.
    private readonly LinkedList<Slot> _pinned = new();
    // Counts entries added; a worker that wakes for an entry removed meanwhile (cancelled, deleted) waits again.
    private readonly SemaphoreSlim _available = new(0);
    private long _arrivals;
    private long _lowestPin;
    private long _serves;

    /// <summary>
    /// The order number for a job about to be stored as Queued (<c>Job.QueueOrder</c>): after every job queued
    /// so far, including those restored from the database.
    /// </summary>
    public long NextOrder()
    {
        lock (_gate) return ++_arrivals;
    }

    /// <summary>Queues at the end of its owner's line (tests and tools; the app stores the order first, see <see cref="NextOrder"/>).</summary>
    public void Enqueue(Guid jobId, string ownerId) => Enqueue(jobId, ownerId, NextOrder());

    /// <summary>
    /// Queues a stored job at its place: by <paramref name="order"/> in its owner's line, or among the pinned jobs by
    /// <paramref name="pinRank"/> when an admin moved it to the front.
    /// </summary>
    public void Enqueue(Guid jobId, string ownerId, long order, long? pinRank = null)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        lock (_gate)
        {
            _arrivals = Math.Max(_arrivals, order);
            if (!_lines.TryGetValue(ownerId, out var line)) _lines[ownerId] = line = new OwnerLine();
            if (pinRank is { } rank)
            {
                _lowestPin = Math.Min(_lowestPin, rank);
                InsertSorted(_pinned, new Slot(jobId, ownerId, order, rank));
            }
            else
            {
                // Two submissions may store their rows in one order and reach here in the other.
                InsertSorted(line.Jobs, new Slot(jobId, ownerId, order));
            }
        }
        _available.Release();
    }

    private static void InsertSorted(LinkedList<Slot> list, Slot slot)
    {
        var after = list.Last;
        while (after is not null && after.Value.Rank > slot.Rank) after = after.Previous;
        if (after is null) list.AddFirst(slot);
        else list.AddAfter(after, slot);
    }

    /// <summary>Takes a job out of line (cancelled or deleted while waiting). Returns false when it was not waiting.</summary>
    public bool Remove(Guid jobId)
    {
        lock (_gate)
        {
            if (Find(jobId) is not { } node) return false;
            node.List!.Remove(node);
            return true;
        }
    }

    /// <summary>Moves a waiting job (see the remarks); the result lists the places to store, or why nothing moved.</summary>
    public QueueMoveResult Move(Guid jobId, QueueMove to)
    {
        lock (_gate)
        {
            if (Find(jobId) is not { } node)
                return QueueMoveResult.Refused($"Job {jobId} is not waiting in the queue (it has started, ended or been removed).");
            var pinned = node.List == _pinned;
            switch (to)
            {
                case QueueMove.Front:
                    if (pinned && node.Previous is null) return new QueueMoveResult([], null);
                    node.List!.Remove(node);
                    var slot = node.Value with { PinRank = --_lowestPin };
                    _pinned.AddFirst(slot);
                    return new QueueMoveResult([new QueuePlace(jobId, slot.Rank, Pinned: true)], null);
                case QueueMove.Unpin:
                    if (!pinned)
                        return QueueMoveResult.Refused($"Job {jobId} is not pinned to the front; only a job moved to the front can be unpinned.");
                    _pinned.Remove(node);
                    var back = node.Value with { PinRank = null };
                    InsertSorted(_lines[back.Owner].Jobs, back);
                    return new QueueMoveResult([new QueuePlace(jobId, back.Order, Pinned: false)], null);
                case QueueMove.Up or QueueMove.Down:
                    var neighbour = to == QueueMove.Up ? node.Previous : node.Next;
                    if (neighbour is null)
                    {
                        var group = pinned ? "the jobs moved to the front" : "its owner's waiting jobs";
                        var hint = pinned ? "" : to == QueueMove.Up ? " Move it to the front to run it before everyone else's." : "";
                        return QueueMoveResult.Refused($"Job {jobId} is already the {(to == QueueMove.Up ? "first" : "last")} of {group}.{hint}");
                    }
                    // Swap the jobs, keep the slots' ranks: the line's turn (its head's rank) stays where it was. A pinned
                    // job takes its order number along, so unpinning it later still finds its place in its owner's line.
                    (node.Value, neighbour.Value) = pinned
                        ? (neighbour.Value with { PinRank = node.Value.PinRank }, node.Value with { PinRank = neighbour.Value.PinRank })
                        : (node.Value with { JobId = neighbour.Value.JobId, Owner = neighbour.Value.Owner },
                            neighbour.Value with { JobId = node.Value.JobId, Owner = node.Value.Owner });
                    return new QueueMoveResult([new QueuePlace(neighbour.Value.JobId, neighbour.Value.Rank, pinned), new QueuePlace(node.Value.JobId, node.Value.Rank, pinned)], null);
                default:
                    throw new ArgumentOutOfRangeException(nameof(to), to, "Use Front, Unpin, Up or Down.");
            }
        }
    }

    private LinkedListNode<Slot>? Find(Guid jobId)
    {
        for (var node = _pinned.First; node is not null; node = node.Next)
            if (node.Value.JobId == jobId) return node;
        foreach (var line in _lines.Values)
        {
            for (var node = line.Jobs.First; node is not null; node = node.Next)
                if (node.Value.JobId == jobId) return node;
        }
        return null;
    }

    /// <summary>Waits for a job and takes the next one: the front of the pinned jobs, else in fair order (see the class summary).</summary>
    public async Task<Guid> DequeueAsync(CancellationToken ct)
    {
        while (true)
        {
            await _available.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (TakeNext(_pinned, _lines, ref _serves) is { } jobId) return jobId;
            }
        }
    }

    private static Guid? TakeNext(LinkedList<Slot> pinned, Dictionary<string, OwnerLine> lines, ref long serves)
    {
        LinkedList<Slot> from;
        string owner;
        if (pinned.First is { } front)
        {
            (from, owner) = (pinned, front.Value.Owner);
        }
        else if (Next(lines) is { } next)
        {
            (from, owner) = (lines[next].Jobs, next);
        }
        else
        {
            return null;
        }
        var jobId = from.First!.Value.JobId;
        from.RemoveFirst();
        // A pinned job is its owner's turn too: round-robin then goes on with everyone else first.
        if (!lines.TryGetValue(owner, out var line)) lines[owner] = line = new OwnerLine();
        line.LastServed = ++serves;
        return jobId;
    }

    public async IAsyncEnumerable<Guid> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (true) yield return await DequeueAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// After a restart: owners in the order they were last served (least recently first), e.g. by their latest
    /// started job, so the round-robin goes on where it stopped instead of favouring whoever queued first.
    /// </summary>
    public void RestoreServedOrder(IEnumerable<string> ownersLeastRecentFirst)
    {
        ArgumentNullException.ThrowIfNull(ownersLeastRecentFirst);
        lock (_gate)
        {
            foreach (var owner in ownersLeastRecentFirst)
            {
                if (!_lines.TryGetValue(owner, out var line)) _lines[owner] = line = new OwnerLine();
                line.LastServed = ++_serves;
            }
        }
    }

    /// <summary>The waiting jobs in the order workers will take them if nothing else arrives.</summary>
    public IReadOnlyList<Guid> PlannedOrder()
    {
        lock (_gate)
        {
            var lines = _lines.ToDictionary(p => p.Key, p => new OwnerLine { LastServed = p.Value.LastServed, Jobs = new(p.Value.Jobs) }, StringComparer.Ordinal);
            var pinned = new LinkedList<Slot>(_pinned);
            var order = new List<Guid>();
            var serves = _serves;
            while (TakeNext(pinned, lines, ref serves) is { } jobId) order.Add(jobId);
            return order;
        }
    }

    /// <summary>The owner served least recently among those waiting; ties (never served) go to the oldest waiting job.</summary>
    private static string? Next(Dictionary<string, OwnerLine> lines)
    {
        string? best = null;
        OwnerLine? bestLine = null;
        foreach (var (owner, line) in lines)
        {
            if (line.Jobs.First is not { } head) continue;
            if (bestLine is null || line.LastServed < bestLine.LastServed
                || (line.LastServed == bestLine.LastServed && head.Value.Rank < bestLine.Jobs.First!.Value.Rank))
            {
                (best, bestLine) = (owner, line);
            }
        }
        return best;
    }

    private sealed class OwnerLine
    {
        /// <summary>0 when never served; otherwise the serve counter's value when this owner last got a worker.</summary>
        public long LastServed { get; set; }

        public LinkedList<Slot> Jobs { get; init; } = new();
    }

    /// <summary>
    /// A waiting job with its order number in its owner's line (<c>Job.QueueOrder</c>, kept while pinned) and,
    /// among the pinned jobs, its pin rank.
    /// </summary>
    private readonly record struct Slot(Guid JobId, string Owner, long Order, long? PinRank = null)
    {
        /// <summary>What its list is sorted by: the pin rank among the pinned, else the order number.</summary>
        public long Rank => PinRank ?? Order;
    }
}
