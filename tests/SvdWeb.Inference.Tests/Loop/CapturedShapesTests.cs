using Microsoft.ML.OnnxRuntime;
using SvdWeb.Inference.Loop;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Loop;

/// <summary>
/// The per-worker table of captured UNet graphs: bounded, least recently used dropped first, graph ids never reused
/// (ONNX Runtime keeps a captured graph until its session ends), failed shapes remembered. Buffers are real ONNX
/// Runtime tensors in host memory.
/// </summary>
public sealed class CapturedShapesTests
{
    private static CapturedShapes Table(int capacity, List<DenoisingBuffers>? made = null) => new(capacity, shape =>
    {
        var buffers = new DenoisingBuffers(OrtAllocator.DefaultInstance, shape);
        made?.Add(buffers);
        return buffers;
    });

    [Fact]
    public void Acquire_BeyondTheBound_DropsTheLeastRecentlyUsed()
    {
        using var table = Table(capacity: 2);
        var a = table.Acquire(LoopShapes.Denoising(frames: 1))!;
        var b = table.Acquire(LoopShapes.Denoising(frames: 2))!;
        Assert.Same(a, table.Acquire(LoopShapes.Denoising(frames: 1)));   // a is now the most recent

        var c = table.Acquire(LoopShapes.Denoising(frames: 3))!;

        Assert.Equal([c.Shape, a.Shape], table.Shapes);
        Assert.Equal(1, table.RetiredGraphs);
        Assert.Equal([1, 2, 3], new[] { a.GraphId, b.GraphId, c.GraphId });
    }

    [Fact]
    public void Acquire_DroppedShapeAgain_GetsANewGraphIdAndNewBuffers()
    {
        var made = new List<DenoisingBuffers>();
        using var table = Table(capacity: 1, made);
        var first = table.Acquire(LoopShapes.Denoising(frames: 1))!;
        table.Acquire(LoopShapes.Denoising(frames: 2));

        var again = table.Acquire(LoopShapes.Denoising(frames: 1))!;

        // Reusing id 1 would replay the graph captured on the freed buffers.
        Assert.Equal(3, again.GraphId);
        Assert.NotSame(first.Buffers, again.Buffers);
        Assert.Equal(3, made.Count);
        Assert.Equal(2, table.RetiredGraphs);
        Assert.True(first.Buffers.IsDisposed);
        Assert.False(again.Buffers.IsDisposed);
    }

    [Fact]
    public void Acquire_KeptShape_ReturnsTheSameEntryWithoutAllocating()
    {
        var made = new List<DenoisingBuffers>();
        using var table = Table(capacity: 4, made);
        var first = table.Acquire(LoopShapes.Denoising())!;
        table.Return(first);

        // Previews do not change what the UNet binds, so the graph is shared.
        var second = table.Acquire(LoopShapes.Denoising(preview: true))!;

        Assert.Same(first, second);
        Assert.Single(made);
        Assert.Equal(0, table.RetiredGraphs);
    }

    [Fact]
    public void MarkFailed_TrueOnceThenTheShapeRunsWithoutAGraph()
    {
        using var table = Table(capacity: 2);
        var entry = table.Acquire(LoopShapes.Denoising())!;

        Assert.True(table.MarkFailed(entry));
        Assert.False(table.MarkFailed(entry));
        // Still usable until the run that holds it ends: the run goes on with these buffers.
        Assert.Equal(2 * 2 * 8 * 8 * 16, entry.Buffers.Sample.GetTensorMutableDataAsSpan<float>().Length);
        Assert.False(entry.Buffers.IsDisposed);
        table.Return(entry);

        Assert.True(entry.Buffers.IsDisposed);
        Assert.Empty(table.Shapes);
        Assert.Equal(1, table.RetiredGraphs);
        Assert.True(table.HasFailed(entry.Shape));
        Assert.Null(table.Acquire(LoopShapes.Denoising()));
        Assert.NotNull(table.Acquire(LoopShapes.Denoising(frames: 3)));
    }

    [Fact]
    public void Clear_AtTheRetiredLimit_FreesEverythingAndStartsTheIdsAgain()
    {
        using var table = Table(capacity: 1);
        Assert.Equal(4, table.RetiredGraphLimit);
        table.RetiredGraphLimit = 2;
        var kept = table.Acquire(LoopShapes.Denoising(frames: 1))!;
        table.Acquire(LoopShapes.Denoising(frames: 2));
        Assert.False(table.NeedsSessionReset);
        kept = table.Acquire(LoopShapes.Denoising(frames: 3))!;
        Assert.True(table.NeedsSessionReset);

        table.Clear();

        Assert.True(kept.Buffers.IsDisposed);
        Assert.Empty(table.Shapes);
        Assert.False(table.NeedsSessionReset);
        Assert.Equal(1, table.Acquire(LoopShapes.Denoising(frames: 3))!.GraphId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ExecutionSettings.MaxCudaGraphShapes + 1)]
    public void Constructor_BoundOutOfRange_Throws(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Table(capacity));
    }
}
