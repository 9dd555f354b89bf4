namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Rewrites each fused com.microsoft <c>MultiHeadAttention</c> node back into the operators the unfused export traces
/// (diffusers' AttnProcessor: Q Kᵀ, times the scale, Softmax, times V), for the CPU provider.
/// </summary>
/// <remarks>
/// <para>Why: on CUDA the fused node is the point (flash / memory-efficient kernels; the score matrices never exist
/// whole). On the CPU, ONNX Runtime's MultiHeadAttention kernel exists for float32 only (a float16 pack would not
/// load) and rounds differently from the traced operators (its flash path accumulates the softmax block by block):
/// enough, through a 1-ulp flip in the Euler step's cancellation at σ = 700, to leave the golden tolerances measured
/// for the traced graph (src/SvdWeb.Inference/README.md, "Exactness"). The decomposed graph is the traced one
/// operator for operator, so CPU runs of a fused pack give the same bits as the unfused export did.</para>
/// <para>Layouts: q [B, S, heads·d], k [B, L, heads·d], v [B, L, heads·dv], each folded to [B·heads, T, d] as
/// diffusers' head_to_batch_dim does; scores [B·heads, S, L]; out [B·heads, S, dv] → [B, S, heads·dv].</para>
/// </remarks>
internal static class AttentionDecomposition
{
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Replaces every MultiHeadAttention node of <paramref name="model"/>; returns how many.</summary>
    /// <param name="model">The graph to rewrite in place.</param>
    /// <param name="half">The attention runs in float16 (the scale constant is cast to it, as the export's float16
    /// conversion does for every constant).</param>
    /// <exception cref="InvalidDataException">A MultiHeadAttention node uses inputs beyond query, key and value (bias,
    /// masks, past state), which the export never writes.</exception>
    public static int Apply(OnnxModelEditor model, bool half)
    {
        ArgumentNullException.ThrowIfNull(model);
        var replaced = 0;
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            if (!node.Is(MicrosoftDomain, "MultiHeadAttention")) continue;
            var expanded = Expand(model, node, half);
            model.Nodes.RemoveAt(i);
            model.Nodes.InsertRange(i, expanded);
            i += expanded.Count - 1;
            replaced++;
        }
        return replaced;
    }

    private static List<OnnxNode> Expand(OnnxModelEditor model, OnnxNode attention, bool half)
    {
        if (attention.Inputs.Count < 3 || attention.Inputs.Skip(3).Any(i => i.Length > 0) || attention.Outputs.Skip(1).Any(o => o.Length > 0))
            throw new InvalidDataException($"MultiHeadAttention node '{attention.Name}' has inputs or outputs beyond query, key, value and output; only those can be decomposed");
        var heads = attention.IntAttribute("num_heads")
            ?? throw new InvalidDataException($"MultiHeadAttention node '{attention.Name}' has no num_heads attribute");
        var scale = attention.FloatAttribute("scale") ?? 0f;
        var prefix = attention.Name.Length > 0 ? attention.Name : "attention";
        var nodes = new List<OnnxNode>();

        string Constant(ReadOnlyMemory<byte> value)
        {
            var output = model.NewName(prefix + "/const");
            nodes.Add(new OnnxNode(model.NewName(prefix + "/Constant"), "Constant", [], [output], "", value));
            return output;
        }

        string Op(string opType, string[] inputs, params ReadOnlyMemory<byte>[] attributes)
        {
            var output = model.NewName($"{prefix}/{opType}_output");
            nodes.Add(new OnnxNode(model.NewName($"{prefix}/{opType}"), opType, inputs, [output], "", attributes));
            return output;
        }

        // Exactly what diffusers' head_to_batch_dim traces to, with the heads folded into the batch (3-D MatMuls, as the
        // unfused export runs them; a 4-D batched MatMul rounds the same products differently on the CPU):
        // [B, T, heads·d] -> [B, T, heads, d] -> [B, heads, T, d] -> [B·heads, T, d].
        var splitHeads = Constant(OnnxAttribute.Ints("value_ints", 0, 0, heads, -1));
        var batchFirst = Constant(OnnxAttribute.Ints("value_ints", -1));
        var two = Constant(OnnxAttribute.Ints("value_ints", 2));
        var four = Constant(OnnxAttribute.Ints("value_ints", 4));
        string HeadToBatch(string value)
        {
            var perHead = Op("Transpose", [Op("Reshape", [value, splitHeads])], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
            var tokensAndDim = Op("Slice", [Op("Shape", [perHead]), two, four]);
            return Op("Reshape", [perHead, Op("Concat", [batchFirst, tokensAndDim], OnnxAttribute.Int("axis", 0))]);
        }

        var query = HeadToBatch(attention.Inputs[0]);                                                     // [B·heads, S, d]
        var keyT = Op("Transpose", [HeadToBatch(attention.Inputs[1])], OnnxAttribute.Ints("perm", 0, 2, 1)); // [B·heads, d, L]
        var value = HeadToBatch(attention.Inputs[2]);                                                     // [B·heads, L, dv]

        var scores = Op("MatMul", [query, keyT]);             // [B·heads, S, L]
        // MultiHeadAttention's scale 0 means 1/sqrt(d); the export always writes the module's own scale.
        if (scale == 0f)
            throw new InvalidDataException($"MultiHeadAttention node '{attention.Name}' has no scale attribute; the export always writes one");
        var scaleValue = Constant(OnnxAttribute.Float("value_float", scale));
        if (half)
            scaleValue = Op("Cast", [scaleValue], OnnxAttribute.Int("to", (long)Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16));
        var probs = Op("Softmax", [Op("Mul", [scores, scaleValue])], OnnxAttribute.Int("axis", -1));
        var context = Op("MatMul", [probs, value]);           // [B·heads, S, dv]

        // batch_to_head_dim: [B·heads, S, dv] -> [B, heads, S, dv] -> [B, S, heads, dv] -> [B, S, heads·dv].
        var zero = Constant(OnnxAttribute.Ints("value_ints", 0));
        var one = Constant(OnnxAttribute.Ints("value_ints", 1));
        var three = Constant(OnnxAttribute.Ints("value_ints", 3));
        var headsDim = Constant(OnnxAttribute.Ints("value_ints", heads));
        var batch = Op("Slice", [Op("Shape", [attention.Inputs[0]]), zero, one]);
        var tokensAndValueDim = Op("Slice", [Op("Shape", [context]), one, three]);
        var unfolded = Op("Reshape", [context, Op("Concat", [batch, headsDim, tokensAndValueDim], OnnxAttribute.Int("axis", 0))]);
        var tokensFirst = Op("Transpose", [unfolded], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        var mergeHeads = Constant(OnnxAttribute.Ints("value_ints", 0, 0, -1));
        nodes.Add(new OnnxNode(model.NewName(prefix + "/Reshape"), "Reshape", [tokensFirst, mergeHeads], [attention.Outputs[0]]));
        return nodes;
    }
}
