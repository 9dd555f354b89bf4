using SvdWeb.Inference.Files;

namespace SvdWeb.Inference.Tests.Files;

public sealed class DiskFullTests
{
    [Theory]
    [InlineData(28)]                          // ENOSPC, as .NET reports Unix I/O errors
    [InlineData(unchecked((int)0x80070070))]  // ERROR_DISK_FULL
    [InlineData(unchecked((int)0x80070027))]  // ERROR_HANDLE_DISK_FULL
    public void Is_DiskFullCodes_True(int hresult)
    {
        Assert.True(DiskFull.Is(new IOException("write failed", hresult)));
    }

    [Fact]
    public void Is_LinuxMessageWithOtherCode_True()
    {
        Assert.True(DiskFull.Is(new IOException("No space left on device : '/data/x.mp4'")));
    }

    [Fact]
    public void Is_OtherIoError_False()
    {
        Assert.False(DiskFull.Is(new IOException("Permission denied", 13)));
    }
}
