using SvdWeb.Models;

namespace SvdWeb.Tests.Models;

public sealed class NvidiaSmiTests
{
    [Theory]
    [InlineData("81559\n", 81559L * 1024 * 1024)]
    [InlineData(" 24564 \n", 24564L * 1024 * 1024)]
    [InlineData("143771\n143771\n", 143771L * 1024 * 1024)]
    public void ParseMiB_MemoryTotal_Bytes(string output, long expected)
    {
        Assert.Equal(expected, NvidiaSmi.ParseMiB(output));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[N/A]\n")]
    [InlineData("No devices were found\n")]
    [InlineData("0\n")]
    public void ParseMiB_NothingUsable_Null(string output)
    {
        Assert.Null(NvidiaSmi.ParseMiB(output));
    }
}
