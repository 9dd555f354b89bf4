using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Inference.Memory;
using SvdWeb.Devices;

namespace SvdWeb.Tests.Devices;

/// <summary>SvdWeb:Inference:CudaGraphs and CudaGraphShapes reach every worker's session settings.</summary>
public sealed class CudaGraphsSettingTests
{
    [Fact]
    public async Task Default_CudaGraphsOnWithFourShapes()
    {
        await using var factory = new SvdWebFactory();
        var settings = factory.Services.GetRequiredService<PipelineCache>().SettingsFor("cuda:0", MemoryOptions.None);

        Assert.True(settings.CudaGraphs);
        Assert.Equal(4, settings.CudaGraphShapes);
    }

    [Fact]
    public async Task Set_OffAndTwoShapes_ReachTheSettings()
    {
        await using var factory = new SvdWebFactory(settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Inference:CudaGraphs"] = "false",
            ["SvdWeb:Inference:CudaGraphShapes"] = "2",
        });
        var settings = factory.Services.GetRequiredService<PipelineCache>().SettingsFor("cuda:1", MemoryOptions.None);

        Assert.False(settings.CudaGraphs);
        Assert.Equal(2, settings.CudaGraphShapes);
    }

    [Fact]
    public async Task TwoGpuWorkersInOneProcess_CudaGraphsOff_OneGpuBesideCpuKeepsThem()
    {
        await using var two = new SvdWebFactory(settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Devices:0"] = "cuda:0",
            ["SvdWeb:Devices:1"] = "cuda:1",
        });
        await using var oneAndCpu = new SvdWebFactory(settings: new Dictionary<string, string?>
        {
            ["SvdWeb:Devices:0"] = "cuda:0",
            ["SvdWeb:Devices:1"] = "cpu",
        });

        Assert.False(two.Services.GetRequiredService<PipelineCache>().SettingsFor("cuda:0", MemoryOptions.None).CudaGraphs);
        Assert.True(oneAndCpu.Services.GetRequiredService<PipelineCache>().SettingsFor("cuda:0", MemoryOptions.None).CudaGraphs);
    }

    [Theory]
    [InlineData(new[] { "auto" }, false)]
    [InlineData(new[] { "cuda:0", "CPU" }, false)]
    [InlineData(new[] { "cuda:0", "cuda:1" }, true)]
    [InlineData(new[] { "auto", "cuda:1" }, true)]
    public void SharesProcessWithAnotherGpuWorker_CountsEveryNonCpuDevice(string[] devices, bool shares) =>
        Assert.Equal(shares, PipelineCache.SharesProcessWithAnotherGpuWorker(devices));
}
