using SvdWeb.Inference.Memory;

namespace SvdWeb.Inference.Tests.Memory;

public sealed class GpuMemoryEstimateTests
{
    [Theory]
    [InlineData(0L, "0 MiB")]
    [InlineData(12_900_000L, "13 MiB")]
    [InlineData((1L << 30) - 1, "1024 MiB")]
    [InlineData(1L << 30, "1.0 GiB")]
    [InlineData(6_549_000_000L, "6.1 GiB")]
    public void Size_PartOfTheEstimate_WithItsUnit(long bytes, string expected)
    {
        Assert.Equal(expected, GpuMemoryEstimate.Size(bytes));
    }

    [Fact]
    public void Describe_TinyParts_NoneReadsAsZero()
    {
        var estimate = new GpuMemoryEstimate(13_500_000, 300_000, 2_000_000, 40_000_000, GpuMemoryEstimator.RuntimeBytes, 1.0, 6);

        Assert.Equal("1.1 GiB (weights 13 MiB, UNet 2 MiB, VAE encode 1 MiB, decode 39 MiB for 6 frames at once, runtime 1.0 GiB)", estimate.Describe());
    }
}
