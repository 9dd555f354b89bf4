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
}
