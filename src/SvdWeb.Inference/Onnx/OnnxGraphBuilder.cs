using System.Globalization;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Builds a small ONNX graph in memory: typed inputs and outputs with fixed shapes, standard-domain nodes, int64
/// constants. The pipeline uses it for the elementwise glue of the denoising loop, so that glue can run where the UNet
/// runs (<see cref="Loop.DenoisingGraphs"/>). Field numbers: onnx/onnx.proto3.
/// </summary>
internal sealed class OnnxGraphBuilder(string name)
{
    // Opset 17: Slice/Expand/Concat/Cast/Identity and the arithmetic ops all have their current forms there, and every
    // ONNX Runtime this project supports implements it on CPU and CUDA.
    private const long Opset = 17, IrVersion = 8;

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];
    private int _nextValue;
    private bool _usesMicrosoftDomain;

    /// <summary>Declares a graph input and returns its name, for use as a node input.</summary>
    public string Input(string inputName, TensorElementType type, params long[] dims)
    {
        _inputs.Add(graph => graph.Message(11, value => ValueInfo(value, inputName, type, dims)));
        return inputName;
    }

    /// <summary>Makes <paramref name="value"/> the graph output <paramref name="outputName"/> (through an Identity node,
    /// so a value can also feed other nodes or be an input passed through).</summary>
    public void Output(string outputName, string value, TensorElementType type, params long[] dims)
    {
        AddNode("Identity", [value], [outputName], []);
        _outputs.Add(graph => graph.Message(12, info => ValueInfo(info, outputName, type, dims)));
    }

    /// <summary>A node with one output; returns the output's generated name.</summary>
    public string Node(string opType, string[] inputs, params (string Name, object Value)[] attributes)
    {
        var output = NewName(opType);
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>
    /// A com.microsoft node (ONNX Runtime's contrib operators, opset 1) with <paramref name="outputCount"/> outputs;
    /// returns their generated names. Tests build single fused operators with it.
    /// </summary>
    public string[] MicrosoftNode(string opType, string[] inputs, int outputCount, params (string Name, object Value)[] attributes)
    {
        var outputs = Enumerable.Range(0, outputCount).Select(_ => NewName(opType)).ToArray();
        _usesMicrosoftDomain = true;
        AddNode(opType, inputs, outputs, attributes, "com.microsoft");
        return outputs;
    }

    /// <summary>An int64 tensor constant of shape [values.Length] (the index and shape inputs of Slice and Expand).</summary>
    public string Int64s(params long[] values)
    {
        var constant = NewName("const");
        _initializers.Add(graph => graph.Message(5, tensor =>
        {
            tensor.Varint(1, (ulong)values.Length);                 // dims
            tensor.Varint(2, (ulong)TensorElementType.Int64);       // data_type
            var packed = new ProtobufWriter();
            foreach (var v in values) packed.RawVarint(unchecked((ulong)v));
            tensor.Bytes(7, packed.ToArray());                      // int64_data, packed
            tensor.String(8, constant);                             // name
        }));
        return constant;
    }

    /// <summary>The serialised ModelProto, for <c>new InferenceSession(byte[])</c>.</summary>
    public byte[] Build()
    {
        var model = new ProtobufWriter()
            .Varint(1, IrVersion)
            .String(2, "svdweb")
            .Message(7, graph =>
            {
                foreach (var write in _nodes) write(graph);
                graph.String(2, name);
                foreach (var write in _initializers) write(graph);
                foreach (var write in _inputs) write(graph);
                foreach (var write in _outputs) write(graph);
            })
            .Message(8, opset => opset.String(1, "").Varint(2, Opset));
        if (_usesMicrosoftDomain)
            model.Message(8, opset => opset.String(1, "com.microsoft").Varint(2, 1));
        return model.ToArray();
    }

    private string NewName(string prefix) => string.Create(CultureInfo.InvariantCulture, $"{prefix}_{_nextValue++}");

    private void AddNode(string opType, string[] inputs, string[] outputs, (string Name, object Value)[] attributes, string domain = "")
    {
        var nodeName = NewName(opType + "_node");
        _nodes.Add(graph => graph.Message(1, node =>
        {
            foreach (var input in inputs) node.String(1, input);
            foreach (var output in outputs) node.String(2, output);
            node.String(3, nodeName);
            node.String(4, opType);
            foreach (var (attributeName, value) in attributes)
                node.Message(5, attribute => Attribute(attribute, attributeName, value));
            if (domain.Length > 0) node.String(7, domain);
        }));
    }

    private static void Attribute(ProtobufWriter attribute, string attributeName, object value)
    {
        attribute.String(1, attributeName);
        switch (value)
        {
            case int i:
                attribute.Int64(3, i).Varint(20, 2);       // i, type INT
                break;
            case long l:
                attribute.Int64(3, l).Varint(20, 2);
                break;
            case float f:
                attribute.Float(2, f).Varint(20, 1);       // f, type FLOAT
                break;
            case long[] values:
                foreach (var v in values) attribute.Int64(8, v);
                attribute.Varint(20, 7);                   // ints, type INTS
                break;
            case TensorElementType t:
                attribute.Int64(3, (long)t).Varint(20, 2); // Cast's "to"
                break;
            default:
                throw new ArgumentException($"Attribute {attributeName}: {value.GetType()} is not supported.", nameof(value));
        }
    }

    private static void ValueInfo(ProtobufWriter value, string valueName, TensorElementType type, long[] dims)
    {
        value.String(1, valueName);
        value.Message(2, typeProto => typeProto.Message(1, tensorType =>
        {
            tensorType.Varint(1, (ulong)type);
            tensorType.Message(2, shape =>
            {
                foreach (var dim in dims)
                    shape.Message(1, d => d.Int64(1, dim));
            });
        }));
    }
}
