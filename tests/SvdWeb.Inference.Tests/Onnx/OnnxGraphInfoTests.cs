using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Onnx;

public sealed class OnnxGraphInfoTests
{
    public static TheoryData<string> TinyGraphs => new("image_encoder/model.onnx", "vae_encoder/model.onnx", "vae_decoder/model.onnx", "unet/model.onnx");

    [Theory]
    [InlineData("image_encoder/model.onnx", "pixel_values float32 [B,3,224,224]", "image_embeds float32 [B,32]")]
    [InlineData("vae_encoder/model.onnx", "sample float32 [B,3,H,W]", "latent float32 [B,Slicelatent_dim_1,h,w]")]
    [InlineData("vae_decoder/model.onnx", "latent_sample float32 [N,4,h,w]", "sample float32 [N,3,H,W]")]
    [InlineData("unet/model.onnx",
        "sample float32 [B,F,8,h,w] | timestep float32 [B] | encoder_hidden_states float32 [B,1,32] | added_time_ids float32 [B,3]",
        "out_sample float32 [B,F,4,h,w]")]
    public void Read_TinyPackGraph_FindsTheContractSignature(string file, string inputs, string outputs)
    {
        var graph = OnnxGraphInfo.Read(Fixtures.File("tiny-svd/" + file));

        // The fixtures README's I/O contract; the VAE encoder's latent channel axis came out of the export unnamed by
        // the exporter's own symbol ("Slicelatent_dim_1"), i.e. dynamic rather than 4.
        Assert.Equal(inputs, Describe(graph.Inputs));
        Assert.Equal(outputs, Describe(graph.Outputs));
    }

    [Theory]
    [MemberData(nameof(TinyGraphs))]
    public void Read_TinyPackGraph_MatchesOnnxRuntimeMetadata(string file)
    {
        var path = Fixtures.File("tiny-svd/" + file);
        var graph = OnnxGraphInfo.Read(path);
        using var session = new InferenceSession(path);

        AssertSameSignature(session.InputMetadata, graph.Inputs);
        AssertSameSignature(session.OutputMetadata, graph.Outputs);
    }

    [Theory]
    [InlineData("image_encoder/model.onnx", 113_989)]
    [InlineData("vae_encoder/model.onnx", 394_064)]
    [InlineData("vae_decoder/model.onnx", 689_666)]
    [InlineData("unet/model.onnx", 1_785_061)]
    public void Read_TinyPackGraph_CountsInitializerElements(string file, long expected)
    {
        // Expected values from an independent Python decoder of the same wire format. The README's torch counts are
        // 0.11 M (image encoder), 1.10 M (VAE, encoder + decoder) and 1.79 M (UNet).
        var graph = OnnxGraphInfo.Read(Fixtures.File("tiny-svd/" + file));

        Assert.Equal(expected, graph.ParameterCount);
        Assert.Equal(OnnxElementType.Float, graph.WeightElementType);
        Assert.Empty(graph.ExternalDataFiles);
    }

    [Fact]
    public void Read_ExporterParameterCount_ReplacesInitializerElements()
    {
        // Metadata before and after the graph, and an unrelated entry: only the exporter's key counts.
        var graph = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])], OnnxTestModels.Float, 300);
        byte[] bytes = [.. Metadata("producer_note", "12"), .. graph, .. Metadata(OnnxGraphInfo.ParameterCountKey, "2254442729")];

        var info = OnnxGraphInfo.Read(new MemoryStream(bytes));

        Assert.Equal(2_254_442_729, info.ParameterCount);
        Assert.True(info.ParameterCountFromExporter);
        // The element types still come from the initializers: they decide precision and weight bytes.
        Assert.Equal(300, info.ParametersByElementType[OnnxElementType.Float]);
    }

    [Fact]
    public void Read_NoExporterParameterCount_CountsInitializerElements()
    {
        var graph = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])], OnnxTestModels.Float, 300);

        var info = OnnxGraphInfo.Read(new MemoryStream([.. graph, .. Metadata("producer_note", "12")]));

        Assert.Equal(300, info.ParameterCount);
        Assert.False(info.ParameterCountFromExporter);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("1.5e9")]
    [InlineData("many")]
    public void Read_ExporterParameterCountNotANumber_RefusedNamingTheKey(string value)
    {
        var graph = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])], OnnxTestModels.Float, 300);

        var ex = Assert.Throws<InvalidDataException>(() => OnnxGraphInfo.Read(new MemoryStream([.. graph, .. Metadata(OnnxGraphInfo.ParameterCountKey, value)])));

        Assert.Contains(OnnxGraphInfo.ParameterCountKey, ex.Message, StringComparison.Ordinal);
        Assert.Contains("re-export", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>One ModelProto metadata_props entry (field 14); appended to a serialized model, it merges into it.</summary>
    private static byte[] Metadata(string key, string value) =>
        new ProtobufWriter().Message(14, entry => entry.String(1, key).String(2, value)).ToArray();

    [Fact]
    public void Read_UnpackedDims_SameCountAsPacked()
    {
        (string, int, object[])[] inputs = [("x", OnnxTestModels.Float, ["B", 3])];
        (string, int, object[])[] outputs = [("y", OnnxTestModels.Float, ["B", 3])];

        var packed = OnnxGraphInfo.Read(new MemoryStream(OnnxTestModels.Graph(inputs, outputs, OnnxTestModels.Float, 300, packedDims: true)));
        var unpacked = OnnxGraphInfo.Read(new MemoryStream(OnnxTestModels.Graph(inputs, outputs, OnnxTestModels.Float, 300, packedDims: false)));

        Assert.Equal(300, packed.ParameterCount);
        Assert.Equal(300, unpacked.ParameterCount);
    }

    [Fact]
    public void Read_InitializerAlsoListedAsInput_IsNotAnInput()
    {
        var bytes = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])],
            OnnxTestModels.Float, 12, initializerAsInput: true);

        var graph = OnnxGraphInfo.Read(new MemoryStream(bytes));

        Assert.Equal("x float32 [B,3]", Describe(graph.Inputs));
        Assert.Equal(12, graph.ParameterCount);
    }

    [Fact]
    public void Read_Float16Weights_ReportsFloat16()
    {
        var bytes = OnnxTestModels.Graph([("x", OnnxTestModels.Float16, [1])], [("y", OnnxTestModels.Float16, [1])], OnnxTestModels.Float16, 64);

        var graph = OnnxGraphInfo.Read(new MemoryStream(bytes));

        Assert.Equal(OnnxElementType.Float16, graph.WeightElementType);
        Assert.Equal(64, graph.ParametersByElementType[OnnxElementType.Float16]);
        Assert.Equal("x float16 [1]", Describe(graph.Inputs));
    }

    [Fact]
    public void Read_ExternalData_ListsTheFileAndTheBytesItNeeds()
    {
        var bytes = OnnxTestModels.WithExternalWeights([("x", OnnxTestModels.Float, ["B"])], [("y", OnnxTestModels.Float, ["B"])], "model.onnx_data", 8192);

        var graph = OnnxGraphInfo.Read(new MemoryStream(bytes));

        Assert.Equal(8192, Assert.Single(graph.ExternalDataFiles, p => p.Key == "model.onnx_data").Value);
        Assert.Equal(2048, graph.ParameterCount);
    }

    [Fact]
    public void Read_LargeRawData_SkipsItWithoutReadingIt()
    {
        // 16 MB of weights: the reader must seek past them, reading only the few kilobytes around the signature.
        var bytes = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])],
            OnnxTestModels.Float, 4 << 20);
        using var stream = new CountingStream(new MemoryStream(bytes));

        var graph = OnnxGraphInfo.Read(stream);

        Assert.Equal(4 << 20, graph.ParameterCount);
        Assert.Equal("x float32 [B,3]", Describe(graph.Inputs));
        Assert.True(stream.BytesRead < 256 * 1024, $"read {stream.BytesRead:N0} of {bytes.Length:N0} bytes");
    }

    [Fact]
    public void Read_EveryPrefixOfAModel_FailsOnlyWithInvalidData()
    {
        var bytes = OnnxTestModels.Graph([("x", OnnxTestModels.Float, ["B", 3])], [("y", OnnxTestModels.Float, ["B", 3])], OnnxTestModels.Float, 4);
        var failures = 0;

        for (var length = 0; length < bytes.Length; length++)
        {
            // A prefix can end exactly after the graph (then it parses, as protobuf allows); otherwise it must be a
            // clear format error, never an IndexOutOfRange or EndOfStream.
            try
            {
                OnnxGraphInfo.Read(new MemoryStream(bytes, 0, length));
            }
            catch (InvalidDataException)
            {
                failures++;
            }
        }

        Assert.True(failures >= bytes.Length - 3, $"{failures} of {bytes.Length} prefixes failed");
    }

    [Fact]
    public void Read_HalfOfTheTinyUNet_SaysTheFileEndsEarly()
    {
        var bytes = File.ReadAllBytes(Fixtures.File("tiny-svd/unet/model.onnx"));

        var ex = Assert.Throws<InvalidDataException>(() => OnnxGraphInfo.Read(new MemoryStream(bytes, 0, bytes.Length / 2)));

        Assert.Contains("remain before the end of the file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"_class_name\": \"UNetSpatioTemporalConditionModel\"}")]   // JSON: a wire type ONNX never uses
    [InlineData("PK\u0003\u0004 zip header")]                                 // a zip / torch checkpoint: field 0
    [InlineData("")]                                                            // empty: no graph
    [InlineData("\u0008\u0008")]                                                // a valid ir_version, and nothing else
    public void Read_NotAnOnnxModel_ThrowsInvalidData(string content)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(content);

        Assert.Throws<InvalidDataException>(() => OnnxGraphInfo.Read(new MemoryStream(bytes)));
    }

    private static string Describe(IReadOnlyList<OnnxValueInfo> values) =>
        string.Join(" | ", values.Select(v => $"{v.Name} {OnnxElementType.Name(v.ElementType)} {v.ShapeText}"));

    private static void AssertSameSignature(IReadOnlyDictionary<string, NodeMetadata> ort, IReadOnlyList<OnnxValueInfo> ours)
    {
        Assert.Equal(ort.Keys.Order(StringComparer.Ordinal), ours.Select(v => v.Name).Order(StringComparer.Ordinal));
        foreach (var value in ours)
        {
            var meta = ort[value.Name];
            Assert.Equal(meta.ElementDataType, value.ElementType switch
            {
                OnnxElementType.Float => TensorElementType.Float,
                OnnxElementType.Float16 => TensorElementType.Float16,
                _ => TensorElementType.DataTypeMax,
            });
            var shape = Assert.IsAssignableFrom<IReadOnlyList<OnnxDim>>(value.Shape);
            Assert.Equal(meta.Dimensions.Length, shape.Count);
            for (var i = 0; i < shape.Count; i++)
            {
                // ORT reports a symbolic axis as -1 with its name in SymbolicDimensions.
                Assert.Equal(meta.Dimensions[i], shape[i].Value ?? -1);
                if (shape[i].Value is null)
                    Assert.Equal(meta.SymbolicDimensions[i], shape[i].Param);
            }
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
