using System.Globalization;
using System.Text;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// A ModelProto held in memory with its graph's nodes editable, for the load-time rewrites
/// (<see cref="AttentionDecomposition"/>, forward chunking). Everything but the main graph's node list is
/// kept as the encoded bytes it was read as (initializers, inputs, outputs, opset imports, metadata), so a rewrite
/// cannot change a weight and writing back an unedited model gives the same graph.
/// </summary>
/// <remarks>
/// Field numbers (onnx/onnx.proto3): ModelProto 7 graph, 8 opset_import (OperatorSetIdProto 1 domain, 2 version);
/// GraphProto 1 node, 13 value_info (dropped on write: shapes inferred for the old graph may not hold after a rewrite,
/// and ONNX Runtime infers them again); NodeProto 1 input, 2 output, 3 name, 4 op_type, 5 attribute, 7 domain.
/// </remarks>
internal sealed class OnnxModelEditor
{
    private const int ModelGraph = 7, ModelOpsetImport = 8;
    private const int GraphNode = 1, GraphValueInfo = 13;

    private readonly List<ReadOnlyMemory<byte>> _modelFields = [];   // every ModelProto field but the graph, encoded
    private readonly List<ReadOnlyMemory<byte>> _graphFields = [];   // every GraphProto field but nodes and value_info
    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _nextName;

    private OnnxModelEditor() { }

    /// <summary>The main graph's nodes, in topological order; edit in place.</summary>
    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>Opset version per domain ("" is the ONNX domain), as imported by the model.</summary>
    public IReadOnlyDictionary<string, long> Opsets => _opsets;

    /// <exception cref="InvalidDataException">The bytes are not an ONNX model with a graph.</exception>
    public static OnnxModelEditor Parse(ReadOnlyMemory<byte> model)
    {
        var editor = new OnnxModelEditor();
        var hasGraph = false;
        var reader = new WireReader(model);
        while (reader.TryReadField(out var field, out var wire, out var encoded, out var payload))
        {
            if (field == ModelGraph && wire == WireReader.LengthDelimited)
            {
                editor.ReadGraph(payload);
                hasGraph = true;
                continue;
            }
            if (field == ModelOpsetImport && wire == WireReader.LengthDelimited)
                editor.ReadOpset(payload);
            else
                editor._modelFields.Add(encoded);
        }
        if (!hasGraph)
            throw new InvalidDataException("the model holds no graph (ModelProto field 7)");
        foreach (var node in editor.Nodes)
        {
            editor._names.Add(node.Name);
            foreach (var output in node.Outputs) editor._names.Add(output);
        }
        return editor;
    }

    /// <summary>Imports <paramref name="domain"/> at <paramref name="version"/> unless the model already imports it.</summary>
    public void RequireOpset(string domain, long version) => _opsets.TryAdd(domain, version);

    /// <summary>A value or node name that no node of the model uses yet, starting with <paramref name="prefix"/>.</summary>
    public string NewName(string prefix)
    {
        string name;
        do name = string.Create(CultureInfo.InvariantCulture, $"{prefix}/svdweb_{_nextName++}");
        while (!_names.Add(name));
        return name;
    }

    /// <summary>The edited model, encoded.</summary>
    public byte[] Serialize()
    {
        var writer = new ProtobufWriter();
        foreach (var field in _modelFields) writer.Raw(field.Span);
        foreach (var (domain, version) in _opsets)
            writer.Message(ModelOpsetImport, opset => opset.String(1, domain).Varint(2, (ulong)version));
        writer.Message(ModelGraph, graph =>
        {
            foreach (var node in Nodes) graph.Message(GraphNode, node.WriteTo);
            foreach (var field in _graphFields) graph.Raw(field.Span);
        });
        return writer.ToArray();
    }

    private void ReadGraph(ReadOnlyMemory<byte> graph)
    {
        var reader = new WireReader(graph);
        while (reader.TryReadField(out var field, out var wire, out var encoded, out var payload))
        {
            if (field == GraphNode && wire == WireReader.LengthDelimited)
                Nodes.Add(OnnxNode.Read(payload));
            else if (field != GraphValueInfo)
                _graphFields.Add(encoded);
        }
    }

    private void ReadOpset(ReadOnlyMemory<byte> opset)
    {
        var reader = new WireReader(opset);
        string domain = "";
        long version = 0;
        while (reader.TryReadField(out var field, out var wire, out _, out var payload))
        {
            if (field == 1 && wire == WireReader.LengthDelimited) domain = Encoding.UTF8.GetString(payload.Span);
            else if (field == 2 && wire == WireReader.Varint) version = (long)reader.LastVarint;
        }
        _opsets[domain] = version;
    }
}
