using SvdWeb.Inference.Gpu;

namespace SvdWeb.Inference.Tests.Gpu;

public sealed class NvidiaSmiTests
{
    [Theory]
    [InlineData("81559\n", 81559L)]
    [InlineData(" 24564 \n", 24564L)]
    [InlineData("143771\n143771\n", 143771L)]
    [InlineData("0\n", 0L)]
    public void ParseMiB_OneValuePerGpu_FirstInMiB(string output, long expected)
    {
        Assert.Equal(expected, NvidiaSmi.ParseMiB(output));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[N/A]\n")]
    [InlineData("No devices were found\n")]
    [InlineData("-5\n")]
    public void ParseMiB_NothingUsable_Null(string output)
    {
        Assert.Null(NvidiaSmi.ParseMiB(output));
    }

    [Fact]
    public async Task Queries_WithoutNvidiaSmi_NullNotAnError()
    {
        // This machine has no NVIDIA driver: the memory guidance then has no device limit, and bench says n/a.
        Assert.Null(await NvidiaSmi.TotalMemoryBytesAsync(0, TestContext.Current.CancellationToken));
        Assert.Null(await NvidiaSmi.UsedMemoryMiBAsync(0, TestContext.Current.CancellationToken));
    }
}
