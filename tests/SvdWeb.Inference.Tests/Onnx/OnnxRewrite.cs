using System.Text;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// Edits real ONNX files at the protobuf level, for tests that need the tiny pack's networks with another signature
/// (float16 boundaries, another exporter's names and shapes) while every weight and node stays as exported. Each edit
/// decodes only the messages on its path and copies every other field byte for byte. Field numbers: onnx/onnx.proto3
/// (ModelProto 7 graph; GraphProto 1 node, 11 input, 12 output, 13 value_info; NodeProto 1 input, 2 output;
/// ValueInfoProto 1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type, 2 shape → 1 dim → 1 dim_value | 2 dim_param).
/// </summary>
internal static class OnnxRewrite
{
    private const int ModelGraph = 7;
    private const int GraphNode = 1, GraphInput = 11, GraphOutput = 12, GraphValueInfo = 13;
    private const int NodeInput = 1, NodeOutput = 2;
    private const int ValueInfoName = 1, ValueInfoType = 2, TypeTensor = 1, TensorElemType = 1, TensorShape = 2, ShapeDim = 1, DimValue = 1;

    /// <summary>The model with its GraphProto replaced by what <paramref name="map"/> makes of it.</summary>
    public static byte[] MapGraph(byte[] model, Func<ReadOnlySpan<byte>, byte[]> map)
    {
        var writer = new ProtobufWriter();
        var graphs = 0;
        foreach (var field in Fields(model))
        {
            if (field.Number == ModelGraph)
            {
                writer.Bytes(ModelGraph, map(field.Payload));
                graphs++;
            }
            else
            {
                writer.Raw(field.Raw);
            }
        }
        Assert.Equal(1, graphs);
        return writer.ToArray();
    }

    /// <summary>
    /// Renames tensors everywhere the graph mentions them: node inputs and outputs, graph inputs and outputs, and
    /// intermediate type annotations. Asserts every name was found, so a test cannot silently rename nothing.
    /// </summary>
    public static byte[] RenameTensors(byte[] model, IReadOnlyDictionary<string, string> renames) => MapGraph(model, graph =>
    {
        var writer = new ProtobufWriter();
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in Fields(graph))
        {
            switch (field.Number)
            {
                case GraphNode:
                    writer.Bytes(GraphNode, RenameNodeTensors(field.Payload, renames, found));
                    break;
                case GraphInput or GraphOutput or GraphValueInfo when renames.TryGetValue(NameOf(field.Payload), out var renamed):
                    found.Add(NameOf(field.Payload));
                    writer.Bytes(field.Number, SetName(field.Payload, renamed));
                    break;
                default:
                    writer.Raw(field.Raw);
                    break;
            }
        }
        Assert.Equal(renames.Keys.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
        return writer.ToArray();
    });

    /// <summary>Replaces the declaration of the graph input or output <paramref name="name"/>; asserts there is one.</summary>
    public static byte[] MapValueInfo(byte[] model, string name, Func<byte[], byte[]> map) => MapGraph(model, graph =>
    {
        var writer = new ProtobufWriter();
        var seen = 0;
        foreach (var field in Fields(graph))
        {
            if (field.Number is GraphInput or GraphOutput && NameOf(field.Payload) == name)
            {
                writer.Bytes(field.Number, map(field.Payload.ToArray()));
                seen++;
            }
            else
            {
                writer.Raw(field.Raw);
            }
        }
        Assert.Equal(1, seen);
        return writer.ToArray();
    });

    /// <summary>A node with its input and output tensors renamed; <paramref name="found"/> collects the names it met.</summary>
    public static byte[] RenameNodeTensors(ReadOnlySpan<byte> node, IReadOnlyDictionary<string, string> renames, ISet<string>? found = null)
    {
        var writer = new ProtobufWriter();
        foreach (var field in Fields(node))
        {
            var name = field.Number is NodeInput or NodeOutput ? Encoding.UTF8.GetString(field.Payload) : null;
            if (name is not null && renames.TryGetValue(name, out var renamed))
            {
                found?.Add(name);
                writer.String(field.Number, renamed);
            }
            else
            {
                writer.Raw(field.Raw);
            }
        }
        return writer.ToArray();
    }

    /// <summary>The name of a ValueInfoProto, or "" when it has none.</summary>
    public static string NameOf(ReadOnlySpan<byte> valueInfo)
    {
        foreach (var field in Fields(valueInfo))
        {
            if (field.Number == ValueInfoName) return Encoding.UTF8.GetString(field.Payload);
        }
        return "";
    }

    /// <summary>A ValueInfoProto with the element type of its tensor set to <paramref name="elementType"/>.</summary>
    public static byte[] SetElementType(ReadOnlySpan<byte> valueInfo, int elementType) =>
        MapField(valueInfo, ValueInfoType, type => MapField(type, TypeTensor, tensor =>
        {
            var writer = new ProtobufWriter().Varint(TensorElemType, (ulong)elementType);
            foreach (var field in Fields(tensor))
            {
                if (field.Number != TensorElemType) writer.Raw(field.Raw);
            }
            return writer.ToArray();
        }));

    /// <summary>A ValueInfoProto whose first axis is fixed at <paramref name="size"/> (whatever it was: fixed, symbolic or unnamed).</summary>
    public static byte[] SetFirstDim(ReadOnlySpan<byte> valueInfo, long size) =>
        MapField(valueInfo, ValueInfoType, type => MapField(type, TypeTensor, tensor => MapField(tensor, TensorShape, shape =>
        {
            var writer = new ProtobufWriter();
            var first = true;
            foreach (var field in Fields(shape))
            {
                if (field.Number == ShapeDim && first)
                {
                    writer.Message(ShapeDim, dim => dim.Varint(DimValue, (ulong)size));
                    first = false;
                }
                else
                {
                    writer.Raw(field.Raw);
                }
            }
            Assert.False(first, "The value declares no axes.");
            return writer.ToArray();
        })));

    /// <summary>The message with each field <paramref name="number"/> replaced by what <paramref name="map"/> makes of it; asserts there is one.</summary>
    public static byte[] MapField(ReadOnlySpan<byte> message, int number, Func<byte[], byte[]> map)
    {
        var writer = new ProtobufWriter();
        var seen = false;
        foreach (var field in Fields(message))
        {
            if (field.Number == number)
            {
                writer.Bytes(number, map(field.Payload.ToArray()));
                seen = true;
            }
            else
            {
                writer.Raw(field.Raw);
            }
        }
        Assert.True(seen, $"The message has no field {number}.");
        return writer.ToArray();
    }

    private static byte[] SetName(ReadOnlySpan<byte> valueInfo, string name)
    {
        var writer = new ProtobufWriter().String(ValueInfoName, name);
        foreach (var field in Fields(valueInfo))
        {
            if (field.Number != ValueInfoName) writer.Raw(field.Raw);
        }
        return writer.ToArray();
    }

    public static FieldEnumerator Fields(ReadOnlySpan<byte> message) => new(message);

    /// <summary>One field of a protobuf message, as found in the bytes.</summary>
    public readonly ref struct Field(int number, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> raw)
    {
        public int Number { get; } = number;

        /// <summary>The value of a length-delimited field (empty for other wire types).</summary>
        public ReadOnlySpan<byte> Payload { get; } = payload;

        /// <summary>The whole field, tag included, to copy unchanged.</summary>
        public ReadOnlySpan<byte> Raw { get; } = raw;
    }

    public ref struct FieldEnumerator(ReadOnlySpan<byte> message)
    {
        private readonly ReadOnlySpan<byte> _message = message;
        private int _position;

        public Field Current { get; private set; }

        public readonly FieldEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_position >= _message.Length) return false;
            var start = _position;
            var tag = ReadVarint();
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            ReadOnlySpan<byte> payload = default;
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: _position += 8; break;
                case 5: _position += 4; break;
                case 2:
                    var length = (int)ReadVarint();
                    payload = _message.Slice(_position, length);
                    _position += length;
                    break;
                default: throw new InvalidDataException($"Unexpected protobuf wire type {wire}.");
            }
            Current = new Field(number, payload, _message[start.._position]);
            return true;
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _message[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
        }
    }
}
