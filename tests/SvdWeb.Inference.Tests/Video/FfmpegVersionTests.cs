using SvdWeb.Inference.Video;

namespace SvdWeb.Inference.Tests.Video;

/// <summary><see cref="FfmpegTool.ParseVersion"/> on the first lines <c>ffmpeg -hide_banner -version</c> prints, as
/// captured from real builds: a distribution's package, upstream releases, a git snapshot, a static build.</summary>
public sealed class FfmpegVersionTests
{
    public static TheoryData<string, string> VersionLines => new()
    {
        // Debian 12 (bookworm)
        { "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers", "5.1.6-0+deb12u1" },
        // Ubuntu 24.04
        { "ffmpeg version 6.1.1-3ubuntu5 Copyright (c) 2000-2023 the FFmpeg developers", "6.1.1-3ubuntu5" },
        // an upstream release, built from its tarball
        { "ffmpeg version 6.1 Copyright (c) 2000-2023 the FFmpeg developers", "6.1" },
        { "ffmpeg version 7.1 Copyright (c) 2000-2024 the FFmpeg developers", "7.1" },
        // a git snapshot (BtbN's nightly builds)
        { "ffmpeg version N-118385-g0225fe857d-20250127 Copyright (c) 2000-2025 the FFmpeg developers", "N-118385-g0225fe857d-20250127" },
        // Arch Linux's release tags carry an n
        { "ffmpeg version n7.1 Copyright (c) 2000-2024 the FFmpeg developers", "n7.1" },
        // a static build that prints its home page on the version line
        { "ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2024 the FFmpeg developers", "7.0.2-static" },
        // a package version with its Debian epoch, as some repackaged builds print it: the epoch is packaging, not ffmpeg's version
        { "ffmpeg version 7:5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers", "5.1.6-0+deb12u1" },
    };

    [Theory]
    [MemberData(nameof(VersionLines))]
    public void ParseVersion_RealFirstLine_GivesTheVersion(string firstLine, string expected)
    {
        var output = firstLine + "\nbuilt with gcc 12 (Debian 12.2.0-14)\nconfiguration: --prefix=/usr\nlibavutil      57. 28.100 / 57. 28.100\n";

        Assert.Equal(expected, FfmpegTool.ParseVersion(output));
    }

    [Fact]
    public void ParseVersion_WindowsLineEndings_LeavesNoCarriageReturn()
    {
        Assert.Equal("7.1-full_build-www.gyan.dev", FfmpegTool.ParseVersion(
            "ffmpeg version 7.1-full_build-www.gyan.dev Copyright (c) 2000-2024 the FFmpeg developers\r\nbuilt with gcc 14.2.0\r\n"));
        Assert.Equal("7.1", FfmpegTool.ParseVersion("ffmpeg version 7.1\r\nbuilt with gcc 14.2.0\r\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ffprobe version 5.1.6-0+deb12u1 Copyright (c) 2007-2024 the FFmpeg developers\n")]
    [InlineData("Unrecognized option 'hide_banner'.\nError splitting the argument list: Option not found\n")]
    public void ParseVersion_NoFfmpegVersionLine_GivesNull(string output)
    {
        Assert.Null(FfmpegTool.ParseVersion(output));
    }
}
