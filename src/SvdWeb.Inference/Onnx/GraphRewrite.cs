namespace SvdWeb.Inference.Onnx;

/// <summary>The load-time rewrites of one graph before ONNX Runtime sees it.</summary>
/// <param name="DecomposeAttention">Fused MultiHeadAttention back to the traced operators (<see cref="AttentionDecomposition"/>):
/// on the CPU provider, for exactness and for float16 graphs.</param>
/// <param name="Half">The graph computes in float16.</param>
/// <param name="ForwardChunking">The UNet's feed-forward one slice at a time (<see cref="Onnx.ForwardChunking"/>).</param>
/// <param name="DecomposeFusedOperators">ONNX Runtime's UNet fusions (GroupNorm, BiasSplitGelu, …) back to standard
/// operators (<see cref="FusedOperatorDecomposition"/>): on the CPU provider, which has no kernel for them.</param>
internal sealed record GraphRewrite(bool DecomposeAttention = false, bool Half = false, bool ForwardChunking = false, bool DecomposeFusedOperators = false)
{
    public static GraphRewrite None { get; } = new();

    public bool Any => DecomposeAttention || ForwardChunking || DecomposeFusedOperators;

    /// <summary>The rewritten model, encoded.</summary>
    public byte[] Apply(byte[] model)
    {
        var editor = OnnxModelEditor.Parse(model);
        if (DecomposeFusedOperators)
            FusedOperatorDecomposition.Apply(editor, Half);
        if (DecomposeAttention)
            AttentionDecomposition.Apply(editor, Half);
        if (ForwardChunking)
        {
            var chunking = Onnx.ForwardChunking.Apply(editor, Half ? Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 : Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);
            if (chunking.Chunked == 0)
                throw new InvalidDataException("forward chunking found no transformer feed-forward to chunk: the graph's node names carry no " +
                    "module scopes (…/transformer_blocks.N/ff/…). Re-export the UNet with tools/export, or run without forward chunking.");
        }
        return editor.Serialize();
    }
}
