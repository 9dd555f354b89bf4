using System.Security.Cryptography;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Tests.Models;
using SvdWeb.Inference.Tests.Pipeline;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// The bundled tiny UNet and image encoder are the shared fixture's graphs re-exported with fused attention (tools/export's
/// default): the same weights, every attention one com.microsoft MultiHeadAttention node, and on the CPU (where the
/// pipeline decomposes the fused nodes back into the traced operators) the same bits as the unfused graphs.
/// </summary>
public sealed class FusedAttentionTests
{
    private static string BundledUNet => Path.Combine(Fixtures.TinyPack, "unet", "model.onnx");

    private static string BundledImageEncoder => Path.Combine(Fixtures.TinyPack, "image_encoder", "model.onnx");

    [Fact]
    public void BundledUNet_HoldsTheUnfusedFixturesWeightsBitForBit()
    {
        var fused = WeightHashes(BundledUNet);
        var unfused = WeightHashes(Fixtures.UnfusedTinyUNet);

        Assert.True(unfused.Count > 400, $"only {unfused.Count} weight tensors were read");
        Assert.Equal(unfused.Order(StringComparer.Ordinal), fused.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BundledImageEncoder_HoldsTheUnfusedFixturesWeightsBitForBit()
    {
        var fused = WeightHashes(BundledImageEncoder);
        var unfused = WeightHashes(Fixtures.UnfusedTinyImageEncoder);

        Assert.Equal(19, unfused.Count);   // embeddings, 2 layers of q/k/v/out projections, norms and MLPs, projection
        Assert.Equal(unfused.Order(StringComparer.Ordinal), fused.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GraphAttention_CountsFusedAndMaterialisedAttention()
    {
        // tiny UNet: 6 transformer blocks, each with spatial self- and cross-attention and temporal self- and cross-attention.
        Assert.Equal(new GraphAttention(FusedNodes: 24, SoftmaxNodes: 0), OnnxGraphInfo.Read(BundledUNet).Attention);
        Assert.Equal(new GraphAttention(FusedNodes: 0, SoftmaxNodes: 24), OnnxGraphInfo.Read(Fixtures.UnfusedTinyUNet).Attention);
        Assert.Equal(new GraphAttention(0, 0), OnnxGraphInfo.Read(Path.Combine(Fixtures.TinyPack, "vae_decoder", "model.onnx")).Attention);
        // tiny CLIP: 2 encoder layers, one self-attention each.
        Assert.Equal(new GraphAttention(FusedNodes: 2, SoftmaxNodes: 0), OnnxGraphInfo.Read(BundledImageEncoder).Attention);
        Assert.Equal(new GraphAttention(FusedNodes: 0, SoftmaxNodes: 2), OnnxGraphInfo.Read(Fixtures.UnfusedTinyImageEncoder).Attention);
    }

    [Fact]
    public void AttentionWarning_NamesTheUnfusedGraphAndTheFix()
    {
        using var copy = new TempPackCopy();
        Fixtures.UseUnfusedGraphs(copy.Folder);

        var warning = ModelPack.Load(copy.Folder).AttentionWarning;

        Assert.NotNull(warning);
        Assert.Contains("UNet's attention is not fused (24 materialised", warning, StringComparison.Ordinal);
        Assert.Contains("--attention fused", warning, StringComparison.Ordinal);
        Assert.True(ModelPack.Load(copy.Folder).MaterializedAttention);
        Assert.False(ModelPack.Load(Fixtures.TinyPack).MaterializedAttention);
        Assert.Null(ModelPack.Load(Fixtures.TinyPack).AttentionWarning);
        Assert.StartsWith("image encoder 2 materialised", ModelPack.Load(copy.Folder).DescribeAttention(), StringComparison.Ordinal);
        Assert.StartsWith("image encoder 2 fused", ModelPack.Load(Fixtures.TinyPack).DescribeAttention(), StringComparison.Ordinal);
        Assert.EndsWith("UNet 24 fused", ModelPack.Load(Fixtures.TinyPack).DescribeAttention(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("A", false)]
    [InlineData("B", true)]
    [InlineData("C", false)]
    [InlineData("C", true)]
    public async Task RunAsync_FusedPackOnCpu_GivesTheUnfusedGraphsBits(string caseName, bool deviceLoop)
    {
        using var unfused = new TempPackCopy();
        Fixtures.UseUnfusedGraphs(unfused.Folder);
        var golden = PipelineCase.Load(caseName);
        var settings = new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1, DeviceResidentLoop: deviceLoop);
        using var fusedPipeline = SvdPipeline.Load(ModelPack.Load(Fixtures.TinyPack), settings);
        using var unfusedPipeline = SvdPipeline.Load(ModelPack.Load(unfused.Folder), settings);

        var expected = await unfusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(unfusedPipeline.Pack), null, TestContext.Current.CancellationToken);
        var actual = await fusedPipeline.RunAsync(golden.LoadImage(), golden.Recipe.Resolve(fusedPipeline.Pack), null, TestContext.Current.CancellationToken);

        var e = expected.Videos[0].FramesZeroToOne;
        var a = actual.Videos[0].FramesZeroToOne;
        var first = Enumerable.Range(0, e.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(e[i]) != BitConverter.SingleToInt32Bits(a[i]), -1);
        Assert.True(first < 0, $"value {first}: fused {(first < 0 ? 0 : a[first]):R}, unfused {(first < 0 ? 0 : e[first]):R}");
    }

    /// <summary>SHA-256 of each initializer's dims, type and data (names differ between exports: torch numbers them).</summary>
    private static List<string> WeightHashes(string modelPath)
    {
        var hashes = new List<string>();
        var model = new WireReader(File.ReadAllBytes(modelPath));
        while (model.TryReadField(out var field, out _, out _, out var graph))
        {
            if (field != 7) continue;
            var graphReader = new WireReader(graph);
            while (graphReader.TryReadField(out var graphField, out _, out _, out var tensor))
            {
                if (graphField != 5) continue;   // GraphProto.initializer
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var tensorReader = new WireReader(tensor);
                while (tensorReader.TryReadField(out var tensorField, out _, out var encoded, out _))
                {
                    if (tensorField != 8) hash.AppendData(encoded.Span);   // everything but TensorProto.name
                }
                hashes.Add(Convert.ToHexString(hash.GetHashAndReset()));
            }
        }
        return hashes;
    }
}
