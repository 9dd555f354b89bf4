using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Onnx;

/// <summary>The nodes one fused node is rewritten into, named after it so a profile still says where they came from.</summary>
internal sealed class DecompositionNodes(OnnxModelEditor model, string prefix)
{
    /// <summary>Slice's "to the end" bound (ONNX clamps it to the dimension).</summary>
    public const long ToEnd = long.MaxValue;

    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>An int64 vector constant (shapes, Slice bounds).</summary>
    public string Ints(params long[] values) => Constant(OnnxAttribute.Ints("value_ints", values));

    /// <summary>A scalar constant of the graph's element type: float32, or cast to float16 as the export's float16
    /// conversion casts every constant.</summary>
    public string Scalar(float value, bool half)
    {
        var constant = Constant(OnnxAttribute.Float("value_float", value));
        return half ? Op("Cast", [constant], OnnxAttribute.Int("to", (long)TensorElementType.Float16)) : constant;
    }

    /// <summary>A node with one new output; returns its name.</summary>
    public string Op(string opType, string[] inputs, params ReadOnlyMemory<byte>[] attributes) => OpInto(null, opType, inputs, attributes);

    /// <summary>A node with one output named <paramref name="output"/> (the fused node's own output), or a new name when null.</summary>
    public string OpInto(string? output, string opType, string[] inputs, params IEnumerable<ReadOnlyMemory<byte>> attributes)
    {
        output ??= model.NewName($"{prefix}/{opType}_output");
        Nodes.Add(new OnnxNode(model.NewName($"{prefix}/{opType}"), opType, inputs, [output], "", attributes));
        return output;
    }

    private string Constant(ReadOnlyMemory<byte> value)
    {
        var output = model.NewName(prefix + "/const");
        Nodes.Add(new OnnxNode(model.NewName(prefix + "/Constant"), "Constant", [], [output], "", value));
        return output;
    }
}
