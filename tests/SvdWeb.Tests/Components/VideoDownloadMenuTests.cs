using Bunit;
using MudBlazor;
using SvdWeb.Components.Shared;

namespace SvdWeb.Tests.Components;

/// <summary>The detail page's download menu and frame-stepping player, as rendered markup.</summary>
public sealed class VideoDownloadMenuTests : BunitContext
{
    private static readonly Guid Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public VideoDownloadMenuTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServicesForTests();
    }

    [Fact]
    public void Open_ListsEveryFormatAndLoopAsPlainDownloads()
    {
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<VideoDownloadMenu>(p => p.Add(c => c.JobId, Id).Add(c => c.Index, 1));

        menu.Find("button").Click();

        var links = popovers.WaitForElements(".download-link", 11);
        var hrefs = links.Select(a => a.GetAttribute("href")).ToArray();
        Assert.Equal($"/api/jobs/{Id}/video?index=1", hrefs[0]);
        Assert.Contains($"/api/jobs/{Id}/video?index=1&format=webm&loop=pingpong", hrefs);
        Assert.Contains($"/api/jobs/{Id}/video?index=1&format=gif&loop=forward", hrefs);
        Assert.Contains($"/api/jobs/{Id}/video?index=1&format=webp&loop=pingpong", hrefs);
        Assert.Contains($"/api/jobs/{Id}/frames.zip?index=1", hrefs);
        Assert.Contains($"/api/jobs/{Id}/video?index=1&format=mp4&loop=forward&interpolate=2", hrefs);
        Assert.Contains("(14 fps)", popovers.Find("#download-mp4-x2-1").TextContent, StringComparison.Ordinal);
        // A download attribute on every link: the browser saves the file and Blazor's router never takes the click.
        Assert.All(links, a => Assert.False(string.IsNullOrEmpty(a.GetAttribute("download")), a.OuterHtml));
        Assert.Equal($"svdweb-{Id:N}-1-pingpong.webp", popovers.Find("#download-webp-pingpong-1").GetAttribute("download"));
        Assert.Contains("ping-pong", popovers.Find("#download-gif-pingpong-1").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Player_HasStepButtonsAndTheFrameLabelWithTheClipsFacts()
    {
        var player = Render<FrameStepPlayer>(p => p.Add(c => c.Source, "/v.mp4").Add(c => c.Fps, 7).Add(c => c.Frames, 14));

        var root = player.Find(".video-stepper");
        Assert.Equal("7", root.GetAttribute("data-fps"));
        Assert.Equal("14", root.GetAttribute("data-frames"));
        Assert.Equal("0", root.GetAttribute("tabindex"));
        Assert.Equal("-1", player.Find("#frame-back-0").GetAttribute("data-step"));
        Assert.Equal("1", player.Find("#frame-next-0").GetAttribute("data-step"));
        Assert.Equal("Frame 1 / 14", player.Find("#frame-label-0").TextContent.Trim());
        Assert.Equal("/v.mp4", player.Find("video").GetAttribute("src"));
    }
}
