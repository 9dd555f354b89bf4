using System.Buffers.Binary;
using System.Text;

namespace SvdWeb.Inference.Onnx;

/// <summary>One NodeProto of a graph being edited (<see cref="OnnxModelEditor"/>): names editable, attributes kept as
/// encoded AttributeProto messages (read ones unchanged, new ones from <see cref="OnnxAttribute"/>).</summary>
internal sealed class OnnxNode
{
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5, NodeDomain = 7;

    public OnnxNode(string name, string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "",
        params IEnumerable<ReadOnlyMemory<byte>> attributes)
    {
        Name = name;
        OpType = opType;
        Domain = domain;
        Inputs = [.. inputs];
        Outputs = [.. outputs];
        Attributes = [.. attributes];
    }

    public string Name { get; set; }

    public string OpType { get; }

    /// <summary>"" for the ONNX domain (ai.onnx).</summary>
    public string Domain { get; }

    public List<string> Inputs { get; }

    public List<string> Outputs { get; }

    /// <summary>Encoded AttributeProto messages.</summary>
    public List<ReadOnlyMemory<byte>> Attributes { get; }

    public bool Is(string domain, string opType) => OpType == opType && (Domain == domain || (domain == "" && Domain == "ai.onnx"));

    /// <summary>The INT attribute <paramref name="name"/>, or null.</summary>
    public long? IntAttribute(string name) => FindAttribute(name, 3) is { } value ? (long)value.Varint : null;

    /// <summary>The FLOAT attribute <paramref name="name"/>, or null.</summary>
    public float? FloatAttribute(string name) => FindAttribute(name, 2) is { } value
        ? BinaryPrimitives.ReadSingleLittleEndian(value.Bytes.Span)
        : null;

    public static OnnxNode Read(ReadOnlyMemory<byte> payload)
    {
        var reader = new WireReader(payload);
        string name = "", opType = "", domain = "";
        List<string> inputs = [], outputs = [];
        List<ReadOnlyMemory<byte>> attributes = [];
        while (reader.TryReadField(out var field, out var wire, out _, out var value))
        {
            if (wire != WireReader.LengthDelimited) continue;
            switch (field)
            {
                case NodeInput: inputs.Add(Encoding.UTF8.GetString(value.Span)); break;
                case NodeOutput: outputs.Add(Encoding.UTF8.GetString(value.Span)); break;
                case NodeName: name = Encoding.UTF8.GetString(value.Span); break;
                case NodeOpType: opType = Encoding.UTF8.GetString(value.Span); break;
                case NodeDomain: domain = Encoding.UTF8.GetString(value.Span); break;
                case NodeAttribute: attributes.Add(value); break;
            }
        }
        return new OnnxNode(name, opType, inputs, outputs, domain, attributes);
    }

    public void WriteTo(ProtobufWriter node)
    {
        foreach (var input in Inputs) node.String(NodeInput, input);
        foreach (var output in Outputs) node.String(NodeOutput, output);
        node.String(NodeName, Name);
        node.String(NodeOpType, OpType);
        foreach (var attribute in Attributes) node.Bytes(NodeAttribute, attribute.Span);
        if (Domain.Length > 0) node.String(NodeDomain, Domain);
    }

    private (ulong Varint, ReadOnlyMemory<byte> Bytes)? FindAttribute(string name, int valueField)
    {
        foreach (var attribute in Attributes)
        {
            var reader = new WireReader(attribute);
            var matches = false;
            (ulong, ReadOnlyMemory<byte>)? value = null;
            while (reader.TryReadField(out var field, out _, out _, out var payload))
            {
                if (field == 1) matches = Encoding.UTF8.GetString(payload.Span) == name;
                else if (field == valueField) value = (reader.LastVarint, payload);
            }
            if (matches) return value;
        }
        return null;
    }
}
