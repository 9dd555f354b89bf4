using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// Writes minimal ONNX ModelProto files with chosen graph inputs, outputs and initializers, for the cases the tiny pack
/// does not contain (float16, external data, unpacked dims, initializers listed as inputs). Only the fields the
/// validator reads are written, plus ir_version and opset_import so the files look like real exports; the graphs have
/// no nodes and cannot run. Field numbers: onnx/onnx.proto3.
/// </summary>
internal static class OnnxTestModels
{
    public const int Float = 1, Int64 = 7, Float16 = 10;

    /// <summary>A graph with one initializer "weight" of <paramref name="weightCount"/> elements stored in raw_data.</summary>
    /// <param name="inputs">Each (name, element type, dims), a dim being an int (fixed) or a string (symbolic).</param>
    public static byte[] Graph(
        (string Name, int Type, object[] Dims)[] inputs,
        (string Name, int Type, object[] Dims)[] outputs,
        int weightType,
        long weightCount,
        bool packedDims = true,
        bool initializerAsInput = false) =>
        Model(graph =>
        {
            graph.Message(5, tensor => Initializer(tensor, "weight", weightType, [weightCount], packedDims,
                rawData: new byte[weightCount * (weightType == Float16 ? 2 : 4)]));
            if (initializerAsInput)
                graph.Message(11, value => ValueInfo(value, ("weight", weightType, [weightCount])));
            WriteSignature(graph, inputs, outputs);
        });

    /// <summary>A graph whose one initializer (float32, <paramref name="bytes"/>/4 elements) lives in an external file.</summary>
    public static byte[] WithExternalWeights(
        (string Name, int Type, object[] Dims)[] inputs,
        (string Name, int Type, object[] Dims)[] outputs,
        string location,
        long bytes) =>
        Model(graph =>
        {
            graph.Message(5, tensor =>
            {
                Initializer(tensor, "weight", Float, [bytes / 4], packed: true, rawData: null);
                tensor.Message(13, entry => entry.String(1, "location").String(2, location));
                tensor.Message(13, entry => entry.String(1, "offset").String(2, "0"));
                tensor.Message(13, entry => entry.String(1, "length").String(2, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                tensor.Varint(14, 1);   // data_location = EXTERNAL
            });
            WriteSignature(graph, inputs, outputs);
        });

    /// <summary>A ModelProto around the graph <paramref name="writeGraph"/> writes, in the field order exporters use.</summary>
    public static byte[] Model(Action<ProtobufWriter> writeGraph)
    {
        var model = new ProtobufWriter()
            .Varint(1, 8)                      // ir_version
            .String(2, "svdweb-tests")         // producer_name
            .Message(7, graph =>
            {
                writeGraph(graph);
                graph.String(2, "test-graph");
            })
            .Message(8, opset => opset.String(1, "").Varint(2, 17));
        return model.ToArray();
    }

    private static void WriteSignature(ProtobufWriter graph, (string Name, int Type, object[] Dims)[] inputs, (string Name, int Type, object[] Dims)[] outputs)
    {
        foreach (var input in inputs)
            graph.Message(11, value => ValueInfo(value, input));
        foreach (var output in outputs)
            graph.Message(12, value => ValueInfo(value, output));
    }

    private static void Initializer(ProtobufWriter tensor, string name, int type, long[] dims, bool packed, byte[]? rawData)
    {
        if (packed)
        {
            var run = new ProtobufWriter();
            foreach (var dim in dims)
                run.RawVarint((ulong)dim);
            tensor.Bytes(1, run.ToArray());
        }
        else
        {
            foreach (var dim in dims)
                tensor.Varint(1, (ulong)dim);
        }
        tensor.Varint(2, (ulong)type);
        tensor.String(8, name);
        if (rawData is not null)
            tensor.Bytes(9, rawData);
    }

    private static void ValueInfo(ProtobufWriter value, (string Name, int Type, object[] Dims) info)
    {
        value.String(1, info.Name);
        value.Message(2, type => type.Message(1, tensorType =>
        {
            tensorType.Varint(1, (ulong)info.Type);
            tensorType.Message(2, shape =>
            {
                foreach (var dim in info.Dims)
                {
                    shape.Message(1, d =>
                    {
                        switch (dim)
                        {
                            case string param:
                                d.String(2, param);
                                break;
                            case int size:
                                d.Varint(1, (ulong)size);
                                break;
                            case long size:
                                d.Varint(1, (ulong)size);
                                break;
                            default:
                                throw new ArgumentException($"A dim is an int or a string, not {dim.GetType()}.", nameof(info));
                        }
                    });
                }
            });
        }));
    }
}
