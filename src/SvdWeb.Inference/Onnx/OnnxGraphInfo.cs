namespace SvdWeb.Inference.Onnx;

/// <summary>
/// What validation needs from an ONNX file, read without ONNX Runtime and without reading the weights: the graph's
/// inputs and outputs, how many numbers its initializers hold, in which element types, and which external-data files
/// they live in.
/// </summary>
/// <remarks>
/// Fields read (onnx/onnx.proto3; every other field, the nodes and the weights included, is skipped with a Seek):
/// <code>
/// ModelProto      7 graph, 14 metadata_props (StringStringEntryProto: 1 key, 2 value; only ParameterCountKey)
/// GraphProto      1 node (NodeProto: 4 op_type, 7 domain; only counted, for <see cref="GraphAttention"/>),
///                 5 initializer (TensorProto), 11 input, 12 output (ValueInfoProto), 15 sparse_initializer
/// TensorProto     1 dims (repeated int64, packed or not), 2 data_type, 8 name, 13 external_data, 14 data_location
/// ValueInfoProto  1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type, 2 shape → 1 dim → 1 dim_value | 2 dim_param
/// </code>
/// </remarks>
internal sealed record OnnxGraphInfo(
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs,
    long ParameterCount,
    IReadOnlyDictionary<int, long> ParametersByElementType,
    IReadOnlyDictionary<string, long> ExternalDataFiles,
    GraphAttention Attention)
{
    // Names and external-data keys are short; anything longer is not a name but a sign of a foreign file.
    private const int MaxNameBytes = 1 << 20;

    private const int ModelGraph = 7, ModelMetadataProps = 14;
    private const int GraphNode = 1, NodeOpType = 4, NodeDomain = 7;
    private const int GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphSparseInitializer = 15;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorExternalData = 13, TensorDataLocation = 14;
    private const int SparseValues = 1;
    private const int ValueInfoName = 1, ValueInfoType = 2;
    private const int TypeTensor = 1, TensorTypeElemType = 1, TensorTypeShape = 2;
    private const int ShapeDim = 1, DimValue = 1, DimParam = 2;
    private const int EntryKey = 1, EntryValue = 2;
    private const int DataLocationExternal = 1;

    /// <summary>
    /// The metadata key under which SvdWeb's export tool writes the number of parameters the torch modules behind the
    /// graph hold. Initializer elements are not that count: tracing drops parameters the traced path never reads,
    /// constant folding adds tensors, and the float16 conversion keeps float32 copies where a region stays float32, so
    /// the same weights exported at two precisions would report two counts.
    /// </summary>
    public const string ParameterCountKey = "svdweb.parameter_count";

    /// <summary>
    /// The element type the weights are mostly stored in (by number of elements among floating-point initializers),
    /// or <see cref="OnnxElementType.Undefined"/> for a graph without floating-point weights.
    /// </summary>
    public int WeightElementType => ParametersByElementType
        .Where(p => OnnxElementType.IsFloatingPoint(p.Key))
        .OrderByDescending(p => p.Value)
        .Select(p => p.Key)
        .FirstOrDefault(OnnxElementType.Undefined);

    /// <summary>Reads the graph signature of the ONNX file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or is not an ONNX model; the message says where.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
    public static OnnxGraphInfo Read(string path)
    {
        // No FileStream buffer (size 0): ProtobufReader buffers itself and seeks past what it skips.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        return Read(stream);
    }

    /// <summary>Reads a ModelProto from a readable, seekable stream, from its current position to its end.</summary>
    /// <exception cref="InvalidDataException">The bytes are truncated or are not an ONNX model.</exception>
    public static OnnxGraphInfo Read(Stream stream)
    {
        var reader = new ProtobufReader(stream);
        OnnxGraphInfo? graph = null;
        string? declaredParameters = null;
        try
        {
            while (reader.TryReadTag(out var field, out var wire))
            {
                if (field == ModelGraph && wire == ProtobufReader.WireLengthDelimited)
                    graph = ReadGraph(reader);
                else if (field == ModelMetadataProps && wire == ProtobufReader.WireLengthDelimited)
                {
                    if (ReadStringEntry(reader) is (ParameterCountKey, var value))
                        declaredParameters = value;
                }
                else
                    reader.SkipField(wire);
            }
        }
        catch (OverflowException ex)
        {
            throw new InvalidDataException("its initializers declare more elements than a 64-bit count holds", ex);
        }
        if (graph is null)
        {
            throw new InvalidDataException(
                "it holds no graph (ModelProto field 7); an empty file, a file of another format, or an ONNX file cut short before its graph");
        }
        if (declaredParameters is null)
            return graph;
        if (!long.TryParse(declaredParameters, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
        {
            throw new InvalidDataException(
                $"its metadata entry {ParameterCountKey} is '{Shorten(declaredParameters)}', not a count of parameters; re-export the graph with tools/export/export_svd_onnx.py");
        }
        return graph with { ParameterCount = count, ParameterCountFromExporter = true };
    }

    /// <summary>
    /// True when <see cref="ParameterCount"/> is the exporter's count of the torch modules' parameters
    /// (<see cref="ParameterCountKey"/>); false when it counts initializer elements, for graphs made by other tools.
    /// </summary>
    public bool ParameterCountFromExporter { get; init; }

    /// <summary>The graph's com.microsoft operators (fused attention, ONNX Runtime's UNet fusions) and how many nodes of
    /// each, by name; empty for a graph of standard operators only.</summary>
    public IReadOnlyDictionary<string, int> MicrosoftOperators { get; init; } = new Dictionary<string, int>();

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private static OnnxGraphInfo ReadGraph(ProtobufReader reader)
    {
        var outer = reader.BeginMessage();
        var declaredInputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var initializerNames = new HashSet<string>(StringComparer.Ordinal);
        var byType = new Dictionary<int, long>();
        var externalFiles = new Dictionary<string, long>(StringComparer.Ordinal);
        long parameters = 0;
        int fused = 0, softmax = 0;
        var microsoft = new SortedDictionary<string, int>(StringComparer.Ordinal);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire != ProtobufReader.WireLengthDelimited)
            {
                reader.SkipField(wire);
                continue;
            }
            switch (field)
            {
                case GraphNode:
                    var (domain, opType) = ReadNodeOp(reader);
                    switch ((domain, opType))
                    {
                        case ("com.microsoft", "MultiHeadAttention"): fused++; break;
                        case ("" or "ai.onnx", "Softmax"): softmax++; break;
                    }
                    if (domain == "com.microsoft")
                        microsoft[opType] = microsoft.GetValueOrDefault(opType) + 1;
                    break;
                case GraphInitializer:
                    parameters = checked(parameters + ReadInitializer(reader, initializerNames, byType, externalFiles));
                    break;
                case GraphSparseInitializer:
                    parameters = checked(parameters + ReadSparseInitializer(reader, initializerNames, byType, externalFiles));
                    break;
                case GraphInput:
                    declaredInputs.Add(ReadValueInfo(reader));
                    break;
                case GraphOutput:
                    outputs.Add(ReadValueInfo(reader));
                    break;
                default:
                    reader.SkipField(wire);
                    break;
            }
        }
        reader.EndMessage(outer);

        // Exporters may list initializers among the graph inputs (keep_initializers_as_inputs, IR version < 4): those
        // are weights with a default, not inputs the pipeline must feed.
        var inputs = declaredInputs.Where(i => !initializerNames.Contains(i.Name)).ToArray();
        return new OnnxGraphInfo(inputs, outputs, parameters, byType, externalFiles, new GraphAttention(fused, softmax))
        {
            MicrosoftOperators = microsoft,
        };
    }

    private static (string Domain, string OpType) ReadNodeOp(ProtobufReader reader)
    {
        var outer = reader.BeginMessage();
        string domain = "", opType = "";
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == NodeOpType && wire == ProtobufReader.WireLengthDelimited)
                opType = reader.ReadString(MaxNameBytes);
            else if (field == NodeDomain && wire == ProtobufReader.WireLengthDelimited)
                domain = reader.ReadString(MaxNameBytes);
            else
                reader.SkipField(wire);
        }
        reader.EndMessage(outer);
        return (domain, opType);
    }

    /// <summary>
    /// Returns the initializer's element count: the product of its dims (1 for a scalar). This counts what the exported
    /// graph stores as initializers, which is close to but not exactly the torch module's parameter count: the exporter
    /// drops parameters the traced path never reads, constant folding can add precomputed tensors, and small constants
    /// kept as Constant nodes (GroupNorm's ones and zeros, shape vectors) are not counted at all.
    /// </summary>
    private static long ReadInitializer(ProtobufReader reader, HashSet<string> names, Dictionary<int, long> byType,
        Dictionary<string, long> externalFiles)
    {
        var outer = reader.BeginMessage();
        var dims = new List<long>();
        var dataType = OnnxElementType.Undefined;
        var external = false;
        var entries = new List<(string Key, string Value)>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case TensorDims:
                    reader.ReadRepeatedInt64(wire, dims);
                    break;
                case TensorDataType when wire == ProtobufReader.WireVarint:
                    dataType = reader.ReadInt32();
                    break;
                case TensorName when wire == ProtobufReader.WireLengthDelimited:
                    names.Add(reader.ReadString(MaxNameBytes));
                    break;
                case TensorExternalData when wire == ProtobufReader.WireLengthDelimited:
                    entries.Add(ReadStringEntry(reader));
                    break;
                case TensorDataLocation when wire == ProtobufReader.WireVarint:
                    external = reader.ReadInt32() == DataLocationExternal;
                    break;
                default:
                    // raw_data and the typed *_data arrays: the weights themselves, never read.
                    reader.SkipField(wire);
                    break;
            }
        }
        reader.EndMessage(outer);

        long count = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
                throw new InvalidDataException($"an initializer has the negative dimension {dim}");
            count = checked(count * dim);
        }
        byType[dataType] = byType.GetValueOrDefault(dataType) + count;
        if (external)
            AddExternalData(entries, externalFiles);
        return count;
    }

    /// <summary>A sparse initializer counts the values it stores (its nonzeros), named by its values tensor.</summary>
    private static long ReadSparseInitializer(ProtobufReader reader, HashSet<string> names, Dictionary<int, long> byType,
        Dictionary<string, long> externalFiles)
    {
        var outer = reader.BeginMessage();
        long count = 0;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == SparseValues && wire == ProtobufReader.WireLengthDelimited)
                count = checked(count + ReadInitializer(reader, names, byType, externalFiles));
            else
                reader.SkipField(wire);
        }
        reader.EndMessage(outer);
        return count;
    }

    private static (string Key, string Value) ReadStringEntry(ProtobufReader reader)
    {
        var outer = reader.BeginMessage();
        string key = "", value = "";
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == EntryKey && wire == ProtobufReader.WireLengthDelimited)
                key = reader.ReadString(MaxNameBytes);
            else if (field == EntryValue && wire == ProtobufReader.WireLengthDelimited)
                value = reader.ReadString(MaxNameBytes);
            else
                reader.SkipField(wire);
        }
        reader.EndMessage(outer);
        return (key, value);
    }

    /// <summary>
    /// Records the file an external tensor lives in (the "location" key, relative to the model's folder) and how many
    /// bytes of it the tensor needs ("offset" + "length"; 0 when the file does not say).
    /// </summary>
    private static void AddExternalData(List<(string Key, string Value)> entries, Dictionary<string, long> externalFiles)
    {
        string? location = null;
        long offset = 0, length = 0;
        foreach (var (key, value) in entries)
        {
            switch (key)
            {
                case "location":
                    location = value;
                    break;
                case "offset":
                    offset = ParseNonNegative(key, value);
                    break;
                case "length":
                    length = ParseNonNegative(key, value);
                    break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new InvalidDataException("an initializer is marked as external data but names no file (no \"location\" entry)");
        var end = length == 0 ? 0 : checked(offset + length);
        externalFiles[location] = Math.Max(externalFiles.GetValueOrDefault(location), end);
    }

    private static long ParseNonNegative(string key, string value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"an external-data entry has {key} \"{value}\", not a non-negative integer");

    private static OnnxValueInfo ReadValueInfo(ProtobufReader reader)
    {
        var outer = reader.BeginMessage();
        var name = "";
        var elementType = OnnxElementType.Undefined;
        List<OnnxDim>? shape = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == ValueInfoName && wire == ProtobufReader.WireLengthDelimited)
                name = reader.ReadString(MaxNameBytes);
            else if (field == ValueInfoType && wire == ProtobufReader.WireLengthDelimited)
                ReadType(reader, ref elementType, ref shape);
            else
                reader.SkipField(wire);
        }
        reader.EndMessage(outer);
        return new OnnxValueInfo(name, elementType, shape);
    }

    // TypeProto: only tensor_type matters; a sequence, map or optional input leaves the element type undefined.
    private static void ReadType(ProtobufReader reader, ref int elementType, ref List<OnnxDim>? shape)
    {
        var outer = reader.BeginMessage();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != TypeTensor || wire != ProtobufReader.WireLengthDelimited)
            {
                reader.SkipField(wire);
                continue;
            }
            var tensorOuter = reader.BeginMessage();
            while (reader.TryReadTag(out var tensorField, out var tensorWire))
            {
                if (tensorField == TensorTypeElemType && tensorWire == ProtobufReader.WireVarint)
                    elementType = reader.ReadInt32();
                else if (tensorField == TensorTypeShape && tensorWire == ProtobufReader.WireLengthDelimited)
                    shape = ReadShape(reader);
                else
                    reader.SkipField(tensorWire);
            }
            reader.EndMessage(tensorOuter);
        }
        reader.EndMessage(outer);
    }

    private static List<OnnxDim> ReadShape(ProtobufReader reader)
    {
        var outer = reader.BeginMessage();
        var dims = new List<OnnxDim>();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field != ShapeDim || wire != ProtobufReader.WireLengthDelimited)
            {
                reader.SkipField(wire);
                continue;
            }
            var dimOuter = reader.BeginMessage();
            long? value = null;
            string? param = null;
            while (reader.TryReadTag(out var dimField, out var dimWire))
            {
                if (dimField == DimValue && dimWire == ProtobufReader.WireVarint)
                    value = reader.ReadInt64();
                else if (dimField == DimParam && dimWire == ProtobufReader.WireLengthDelimited)
                    param = reader.ReadString(MaxNameBytes);
                else
                    reader.SkipField(dimWire);
            }
            reader.EndMessage(dimOuter);
            dims.Add(new OnnxDim(value, param));
        }
        reader.EndMessage(outer);
        return dims;
    }
}
