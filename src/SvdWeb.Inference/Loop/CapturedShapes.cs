namespace SvdWeb.Inference.Loop;

/// <summary>
/// A worker's captured CUDA graphs of the UNet, one per <see cref="UNetRunShape"/>, each with the buffers bound to it
/// (Inference README §4.9.1). At most <see cref="Capacity"/> shapes are kept; a new shape beyond that drops the least
/// recently used one and frees its buffers. ONNX Runtime cannot free one captured graph of a session (it frees all of
/// them with the session), so a dropped graph's id is never used again: its graph stays in the session, holding only
/// its launch description, while the memory that matters, the bound buffers, is freed here.
/// A shape whose capture or replay failed is remembered and runs without graphs from then on. Not thread-safe: the
/// pipeline runs one job at a time.
/// </summary>
internal sealed class CapturedShapes : IDisposable
{
    // Bounds the memory of the failed-shape list on a worker that sees endless distinct failing shapes.
    private const int MaxRememberedFailures = 64;

    private readonly Func<DenoisingShape, DenoisingBuffers> _allocate;
    // Most recently used first.
    private readonly LinkedList<CapturedShape> _entries = [];
    private readonly LinkedList<UNetRunShape> _failed = [];
    private int _nextGraphId = 1;

    /// <param name="capacity">1 to <see cref="Onnx.ExecutionSettings.MaxCudaGraphShapes"/>.</param>
    /// <param name="allocate">Makes a shape's buffers, on the UNet's device, from the UNet session's allocator.</param>
    public CapturedShapes(int capacity, Func<DenoisingShape, DenoisingBuffers> allocate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Onnx.ExecutionSettings.MaxCudaGraphShapes);
        Capacity = capacity;
        _allocate = allocate;
        RetiredGraphLimit = 4 * capacity;
    }

    public int Capacity { get; }

    /// <summary>The kept shapes, most recently used first.</summary>
    public IReadOnlyList<UNetRunShape> Shapes => [.. _entries.Select(e => e.Shape)];

    /// <summary>Graph ids given out and then dropped (evicted or failed); their graphs stay in the session until it ends.</summary>
    public int RetiredGraphs { get; private set; }

    /// <summary>
    /// When <see cref="RetiredGraphs"/> reaches this, the pipeline frees them the only way ONNX Runtime can: it empties
    /// the table (<see cref="Clear"/>) and makes the UNet session again, which costs one UNet load; four times the bound by
    /// default, so a lab that keeps to a few shapes never pays it.
    /// </summary>
    public int RetiredGraphLimit { get; set; }

    public bool NeedsSessionReset => RetiredGraphs >= RetiredGraphLimit;

    public bool HasFailed(UNetRunShape shape) => _failed.Contains(shape);

    /// <summary>
    /// The entry for <paramref name="shape"/>, made (with a new graph id and new buffers) when it is not kept, and now the
    /// most recently used; null for a shape that failed before. Hand it back with <see cref="Return"/> when the run ends.
    /// </summary>
    public CapturedShape? Acquire(DenoisingShape shape)
    {
        var key = UNetRunShape.Of(shape);
        if (HasFailed(key)) return null;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (node.Value.Shape != key) continue;
            _entries.Remove(node);
            _entries.AddFirst(node);
            return node.Value;
        }
        while (_entries.Count >= Capacity)
        {
            var oldest = _entries.Last!.Value;
            _entries.RemoveLast();
            oldest.Dispose();
            RetiredGraphs++;
        }
        var entry = new CapturedShape(key, _nextGraphId++, _allocate(shape));
        _entries.AddFirst(entry);
        return entry;
    }

    /// <summary>Marks <paramref name="entry"/>'s shape as not capturable; true the first time for that shape (the caller
    /// logs it once). The entry's buffers stay valid until <see cref="Return"/>: the run goes on with them.</summary>
    public bool MarkFailed(CapturedShape entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Failed = true;
        if (HasFailed(entry.Shape)) return false;
        _failed.AddFirst(entry.Shape);
        if (_failed.Count > MaxRememberedFailures) _failed.RemoveLast();
        return true;
    }

    /// <summary>The run that acquired <paramref name="entry"/> has ended: a failed entry is dropped and its buffers freed.</summary>
    public void Return(CapturedShape entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!entry.Failed || !_entries.Remove(entry)) return;
        entry.Dispose();
        RetiredGraphs++;
    }

    /// <summary>For a new UNet session: frees every kept shape's buffers and starts the graph ids again at 1. Shapes
    /// that failed stay failed: the new session would refuse them as the old one did.</summary>
    public void Clear()
    {
        Dispose();
        _nextGraphId = 1;
        RetiredGraphs = 0;
    }

    public void Dispose()
    {
        foreach (var entry in _entries) entry.Dispose();
        _entries.Clear();
    }
}
