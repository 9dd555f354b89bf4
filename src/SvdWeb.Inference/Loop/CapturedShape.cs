namespace SvdWeb.Inference.Loop;

/// <summary>One entry of <see cref="CapturedShapes"/>: the graph id ONNX Runtime captures the UNet under for
/// <see cref="Shape"/>, and the buffers bound to it.</summary>
internal sealed class CapturedShape(UNetRunShape shape, int graphId, DenoisingBuffers buffers) : IDisposable
{
    public UNetRunShape Shape { get; } = shape;

    /// <summary>The <c>gpu_graph_id</c>: 1 or more, never reused within a UNet session.</summary>
    public int GraphId { get; } = graphId;

    public DenoisingBuffers Buffers { get; } = buffers;

    /// <summary>Set when capture or replay failed: the entry is dropped when its run ends.</summary>
    public bool Failed { get; set; }

    public void Dispose() => Buffers.Dispose();
}
