using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Onnx;

public sealed class ExecutionProvidersTests
{
    private static bool CudaLoads => ExecutionProviders.Probe(new ExecutionSettings(ExecutionDevice.Auto)).IsCuda;

    [Fact]
    public void Probe_AutoWithoutCudaLibraries_FallsBackToCpuNamingMissingLibrary()
    {
        Assert.SkipWhen(CudaLoads, "CUDA loads on this machine.");

        var provider = ExecutionProviders.Probe(new ExecutionSettings(ExecutionDevice.Auto));

        Assert.Equal("CPU", provider.ToString());
        Assert.StartsWith("CUDA unavailable (", provider.Reason, StringComparison.Ordinal);
        // The GPU build's loader names the first CUDA library it could not open.
        Assert.Matches(@"lib\w+\.so[.\d]*: cannot open shared object file", provider.Reason);
        Assert.EndsWith("running on CPU.", provider.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_CudaRequiredButMissing_ThrowsWithInstallHint()
    {
        Assert.SkipWhen(CudaLoads, "CUDA loads on this machine.");

        var ex = Assert.Throws<InvalidOperationException>(() => ExecutionProviders.Probe(new ExecutionSettings(ExecutionDevice.Cuda)));

        Assert.Contains("CUDA was requested but its provider did not load", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Install CUDA 13 and cuDNN 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_TensorRtAskedForButNoCuda_FallsBackToCpuSayingTensorRtIsNotUsed()
    {
        Assert.SkipWhen(CudaLoads, "CUDA loads on this machine.");
        var cache = Path.Combine(Path.GetTempPath(), "svdweb-trt-" + Guid.NewGuid().ToString("N"));

        var provider = ExecutionProviders.Probe(new ExecutionSettings(ExecutionDevice.Auto, TensorRt: new TensorRtSettings(cache)));

        Assert.Equal("CPU", provider.ToString());
        Assert.StartsWith("CUDA unavailable (", provider.Reason, StringComparison.Ordinal);
        Assert.EndsWith("TensorRT, which needs CUDA, is not used.", provider.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ProbeTensorRt_LibrariesMissing_ThrowsNamingTheLibraryAndTheInstall()
    {
        Assert.SkipWhen(File.Exists("/usr/lib/x86_64-linux-gnu/libnvinfer.so.10"), "TensorRT is installed on this machine.");
        var cache = Directory.CreateTempSubdirectory("svdweb-trt-").FullName;
        try
        {
            var ex = Assert.Throws<InvalidOperationException>(() => SessionFactory.ProbeTensorRt(0, new TensorRtSettings(cache)));

            Assert.StartsWith("TensorRT was requested but its provider did not load: ", ex.Message, StringComparison.Ordinal);
            // The loader's own words name a library it could not open (TensorRT's, or the CUDA ones it links).
            Assert.Matches(@"lib\w+\.so[.\d]*: cannot open shared object file", ex.Message);
            Assert.Contains("Install TensorRT 10 for CUDA 13", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [Fact]
    public void Probe_Cpu_SaysChosenInSettings()
    {
        var provider = ExecutionProviders.Probe(new ExecutionSettings(ExecutionDevice.Cpu));

        Assert.Equal(("CPU", "CPU selected in settings."), (provider.Provider, provider.Reason));
    }
}
