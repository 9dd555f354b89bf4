namespace SvdWeb.Inference.Onnx;

/// <summary>
/// How a graph computes attention, counted from its nodes: com.microsoft <c>MultiHeadAttention</c> nodes (fused: flash
/// or memory-efficient kernels on CUDA, the score matrices never whole) and <c>Softmax</c> nodes (in SVD's UNet and
/// CLIP, softmax only appears in attention, so each one is a score matrix the graph materialises).
/// </summary>
public sealed record GraphAttention(int FusedNodes, int SoftmaxNodes)
{
    /// <summary>Some attention keeps its scores whole: the memory estimate counts them, and the pack is worth re-exporting.</summary>
    public bool Materialized => SoftmaxNodes > 0;

    /// <summary>"24 fused", "24 materialised (MatMul → Softmax → MatMul)", "none", or both counts for a mixed graph.</summary>
    public string Describe() => (FusedNodes, SoftmaxNodes) switch
    {
        (0, 0) => "none",
        (_, 0) => $"{FusedNodes} fused",
        (0, _) => $"{SoftmaxNodes} materialised (MatMul → Softmax → MatMul)",
        _ => $"{FusedNodes} fused, {SoftmaxNodes} materialised",
    };
}
