using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Tests.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>The kernel table refuses, before any weight is read, a graph whose com.microsoft operator cannot run where
/// the session would: no kernel in ONNX Runtime 1.31 there and no decomposition.</summary>
public sealed class FusedOperatorKernelsTests
{
    private static readonly ExecutionProviderInfo Cpu = new("CPU", null, "test");
    private static readonly ExecutionProviderInfo Cuda = new("CUDA", 0, "test");

    [Theory]
    [InlineData("GroupNorm")]
    [InlineData("SkipGroupNorm")]
    [InlineData("BiasSplitGelu")]
    [InlineData("BiasAdd")]
    [InlineData("NhwcConv")]
    [InlineData("MultiHeadAttention")]
    public void UNetFusions_RunOnCudaByKernelAndOnTheCpuByDecomposition(string op)
    {
        foreach (var half in new[] { false, true })
        {
            Assert.True(FusedOperatorKernels.Find(op)!.HasKernel(cuda: true, half));
            Assert.True(FusedOperatorKernels.Runs(op, cuda: false, half));
            FusedOperatorKernels.Check("pack", "UNet", new Dictionary<string, int> { [op] = 3 }, Cpu, half);
            FusedOperatorKernels.Check("pack", "UNet", new Dictionary<string, int> { [op] = 3 }, Cuda, half);
        }
        // The decomposition covers exactly the operators the table calls decomposable (attention has its own class).
        Assert.Equal(op != "MultiHeadAttention", FusedOperatorDecomposition.Operators.Contains(op));
    }

    [Fact]
    public void Check_Float16FastGeluOnTheCpu_NamesTheOperatorTheGraphTheProviderAndTheFix()
    {
        // ONNX Runtime's CPU FastGelu is float32 only, and SvdWeb does not decompose it.
        var ex = Assert.Throws<ModelPackException>(() => FusedOperatorKernels.Check("/models/svd-xt", "UNet",
            new Dictionary<string, int> { ["FastGelu"] = 2, ["GroupNorm"] = 61 }, Cpu, half: true));

        Assert.Equal("Model pack '/models/svd-xt': the UNet graph uses com.microsoft FastGelu (2 nodes), which ONNX Runtime 1.31 " +
            "has no float16 kernel for on the CPU provider and SvdWeb cannot decompose there. Run it on the CUDA provider, or re-export " +
            "the pack with tools/export/export_svd_onnx.py --no-optimize (the unfused graph runs everywhere).", ex.Message);
        Assert.Equal(422, ex.Status);
        FusedOperatorKernels.Check("/models/svd-xt", "UNet", new Dictionary<string, int> { ["FastGelu"] = 2 }, Cpu, half: false);
    }

    [Fact]
    public void Check_AnOperatorOutsideTheTable_IsRefusedEvenOnCuda()
    {
        var ex = Assert.Throws<ModelPackException>(() => FusedOperatorKernels.Check("pack", "VAE decoder",
            new Dictionary<string, int> { ["NhwcFusedConv"] = 1 }, Cuda, half: true));

        Assert.Contains("the VAE decoder graph uses com.microsoft NhwcFusedConv (1 node)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("on the CUDA provider", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("Re-export the pack with tools/export/export_svd_onnx.py --no-optimize (the unfused graph runs everywhere).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelPack_ReadsEachGraphsMicrosoftOperators()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        Assert.Equal(new Dictionary<string, int> { ["MultiHeadAttention"] = 24 }, pack.FusedOperators[PackComponent.UNet]);
        Assert.Empty(pack.FusedOperators[PackComponent.VaeDecoder]);
        Assert.Equal("image encoder: MultiHeadAttention 2; UNet: MultiHeadAttention 24", pack.DescribeFusedOperators());
    }

    [Fact]
    public void Load_UNetWithAnOperatorNoProviderRuns_FailsBeforeAnySessionWithTheMessage()
    {
        using var copy = new TempPackCopy();
        var unet = copy.PathOf("unet/model.onnx");
        var editor = OnnxModelEditor.Parse(File.ReadAllBytes(unet));
        editor.Nodes.Add(new OnnxNode("extra", "NhwcFusedConv", ["sample"], ["unused"], FusedOperatorKernels.MicrosoftDomain));
        File.WriteAllBytes(unet, editor.Serialize());

        var ex = Assert.Throws<ModelPackException>(() =>
            SvdPipeline.Load(ModelPack.Load(copy.Folder), new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: 1)));

        Assert.Contains("the UNet graph uses com.microsoft NhwcFusedConv (1 node)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("on the CPU provider", ex.Message, StringComparison.Ordinal);
    }
}
