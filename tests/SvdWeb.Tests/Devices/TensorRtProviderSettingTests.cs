using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Onnx;
using SvdWeb.Devices;

namespace SvdWeb.Tests.Devices;

/// <summary>SvdWeb:Inference:Provider=TensorRt reaches the sessions' settings and the device badge's reason.</summary>
public sealed class TensorRtProviderSettingTests
{
    [Fact]
    public async Task TensorRt_WorkerSettingsCarryTheCacheUnderTheDataFolder()
    {
        await using var factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:Inference:Provider"] = "TensorRt" });
        var pipelines = factory.Services.GetRequiredService<PipelineCache>();

        var settings = pipelines.SettingsFor("cuda:1", MemoryOptions.None);

        Assert.Equal((ExecutionDevice.Cuda, 1), (settings.Device, settings.CudaDeviceId));
        Assert.Equal(Path.Combine(factory.DataFolder, "tensorrt-cache"), settings.TensorRt?.EngineCacheFolder);
    }

    [Fact]
    public async Task Default_NoTensorRt()
    {
        await using var factory = new SvdWebFactory();
        var pipelines = factory.Services.GetRequiredService<PipelineCache>();

        Assert.Null(pipelines.SettingsFor("auto", MemoryOptions.None).TensorRt);
    }

    [Fact]
    public async Task TensorRt_NoCudaOnTheMachine_BadgeReasonSaysTensorRtIsNotUsed()
    {
        Assert.SkipWhen(ExecutionProviders.Probe(new ExecutionSettings()).IsCuda, "CUDA loads on this machine.");
        await using var factory = new SvdWebFactory(settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Devices:0"] = "auto",
            ["SvdWeb:Inference:Provider"] = "TensorRt",
        });
        factory.CreateClient();

        var provider = factory.Services.GetRequiredService<PipelineCache>().Providers["auto"];

        Assert.Equal("CPU", provider.Provider);
        Assert.EndsWith("TensorRT, which needs CUDA, is not used.", provider.Reason, StringComparison.Ordinal);
    }
}
