namespace SvdWeb.Inference.Onnx;

/// <summary>Encodes AttributeProto messages for nodes added by a rewrite (onnx.proto3: 1 name, 2 f, 3 i, 6 g, 8 ints,
/// 20 type with FLOAT 1, INT 2, GRAPH 5, INTS 7).</summary>
internal static class OnnxAttribute
{
    public static ReadOnlyMemory<byte> Int(string name, long value) =>
        new ProtobufWriter().String(1, name).Int64(3, value).Varint(20, 2).ToArray();

    public static ReadOnlyMemory<byte> Float(string name, float value) =>
        new ProtobufWriter().String(1, name).Float(2, value).Varint(20, 1).ToArray();

    public static ReadOnlyMemory<byte> Ints(string name, params long[] values)
    {
        var writer = new ProtobufWriter().String(1, name);
        foreach (var value in values) writer.Int64(8, value);
        return writer.Varint(20, 7).ToArray();
    }

    /// <summary>A GRAPH attribute (a Scan or Loop body), from an encoded GraphProto.</summary>
    public static ReadOnlyMemory<byte> Graph(string name, byte[] graph) =>
        new ProtobufWriter().String(1, name).Bytes(6, graph).Varint(20, 5).ToArray();
}
