using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using SvdWeb.Components.Pages;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Video;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>Dropping a file SvdWeb made on the Create page offers its recipe (read with the real ffprobe and ImageSharp).</summary>
public sealed class CreatePageRemixFileTests : RealServicesContext
{
    private const int Width = 128, Height = 64;

    private static readonly SvdRecipe Recipe = new()
    {
        Model = "tiny-svd", Width = 64, Height = 128, NumFrames = 5, NumInferenceSteps = 7, MotionBucketId = 33, Fps = 9, Seed = 4242,
        DecodeChunkSize = 5, NoiseAugStrength = 0.05f, Fit = FitMode.Crop,
    };

    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-remix-file-").FullName;

    private IRenderedComponent<Create> RenderCreate()
    {
        Render<MudPopoverProvider>();
        return Render<Create>();
    }

    private static void Upload(IRenderedComponent<Create> page, byte[] file, string name, string contentType) =>
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(file, name, contentType: contentType));

    private static string ValueOf(IRenderedComponent<Create> page, string id) => page.Find($"#{id}").GetAttribute("value") ?? "";

    private static ReadOnlyMemory<byte>[] Frames() => [.. Enumerable.Range(0, 3).Select(f =>
    {
        var pixels = new byte[Width * Height * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i / 3 % Width) + (f * 50));
        return (ReadOnlyMemory<byte>)pixels;
    })];

    private async Task<byte[]> Mp4Async(RecipeStamp? stamp)
    {
        var path = Path.Combine(_work, $"{Guid.NewGuid():N}.mp4");
        await Mp4Writer.WriteAsync(path, Frames(), Width, Height, 9, Xunit.TestContext.Current.CancellationToken, recipe: stamp);
        return await File.ReadAllBytesAsync(path, Xunit.TestContext.Current.CancellationToken);
    }

    private void AssertRecipeLoaded(IRenderedComponent<Create> page)
    {
        page.WaitForElement("#remix-applied");
        Assert.Equal(("64", "128", "5", "7"), (ValueOf(page, "width"), ValueOf(page, "height"), ValueOf(page, "num-frames"), ValueOf(page, "steps")));
        Assert.Equal(("33", "9", "4242"), (ValueOf(page, "motion-bucket-id"), ValueOf(page, "fps"), ValueOf(page, "seed")));
        Assert.Contains("What the model sees (64 × 128, crop)", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("#remix-recipe"));
    }

    [Fact]
    public void Upload_SvdWebPngFrameWithoutItem_OffersRemixUsingTheFrame()
    {
        var page = RenderCreate();
        var frame = PngFrameWriter.Encode(Frames()[0].Span, Width, Height, new RecipeStamp(Recipe));

        Upload(page, frame, "frame_0000.png", "image/png");

        page.WaitForElement("#remix-offer");
        Assert.Contains("'frame_0000.png' was made by SvdWeb.", page.Find("#remix-offer").TextContent, StringComparison.Ordinal);
        Assert.Contains("seed 4242", page.Find("#remix-offer").TextContent, StringComparison.Ordinal);
        Assert.Contains("Image: the first frame of this file, since its gallery item is not here", page.Find("#remix-image-source").TextContent, StringComparison.Ordinal);
        // The frame is an image: it is the input already, before any remix.
        Assert.Contains("frame_0000.png · 128 × 64", page.Find("#input-info").TextContent, StringComparison.Ordinal);
        Assert.NotEqual("4242", ValueOf(page, "seed"));

        page.Find("#remix-recipe").Click();

        AssertRecipeLoaded(page);
        Assert.Contains("frame_0000.png · 128 × 64", page.Find("#input-info").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_PlainImage_NoRemixOffer()
    {
        var page = RenderCreate();

        Upload(page, File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo.png", "image/png");

        page.WaitForElement("#model-view");
        Assert.Empty(page.FindAll("#remix-offer"));
        Assert.Empty(page.FindAll("#image-error"));
    }

    [Fact]
    public async Task Upload_SvdWebMp4OfAnExistingItem_RemixTakesTheItemsImage()
    {
        var generations = Services.GetRequiredService<JobService>();
        await using var upload = File.OpenRead(Fixtures.Image("rose_70x46.png"));
        var item = await generations.SubmitAsync(upload, "rose.png", Recipe, JobOwner.Local, Xunit.TestContext.Current.CancellationToken);
        var video = await Mp4Async(item.ToRecipeStamp());
        var page = RenderCreate();

        Upload(page, video, "clip.mp4", "video/mp4");

        page.WaitForElement("#remix-offer");
        Assert.Contains("Image: the original input of its gallery item, which is still here.", page.Find("#remix-image-source").TextContent, StringComparison.Ordinal);
        Assert.Equal($"/gallery/{item.Id}", page.Find("#remix-item-link").GetAttribute("href"));
        // A video is not an image to animate: nothing is the input until the remix.
        Assert.Empty(page.FindAll("#input-info"));

        page.Find("#remix-recipe").Click();

        AssertRecipeLoaded(page);
        Assert.Contains("rose.png · 70 × 46", page.Find("#input-info").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SvdWebMp4WhoseItemIsGone_RemixTakesItsFirstFrame()
    {
        var video = await Mp4Async(new RecipeStamp(Recipe, "ab12", Guid.NewGuid()));
        var page = RenderCreate();

        Upload(page, video, "clip.mp4", "video/mp4");

        page.WaitForElement("#remix-offer");
        Assert.Contains("Image: the first frame of this file", page.Find("#remix-image-source").TextContent, StringComparison.Ordinal);

        page.Find("#remix-recipe").Click();

        AssertRecipeLoaded(page);
        Assert.Contains("first frame of clip.mp4 · 128 × 64", page.Find("#input-info").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_VideoWithoutRecipe_SaysSoAndOffersNothing()
    {
        var video = await Mp4Async(null);
        var page = RenderCreate();

        Upload(page, video, "other.mp4", "video/mp4");

        page.WaitForAssertion(() => Assert.Contains("'other.mp4' is a video without an SvdWeb recipe inside.", page.Find("#image-error").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("#remix-offer"));
        Assert.Empty(page.FindAll("#input-info"));
    }

    [Fact]
    public void Remix_RecipeOfAPackNotHere_SaysSoAndKeepsTheChosenPack()
    {
        var page = RenderCreate();
        var frame = PngFrameWriter.Encode(Frames()[0].Span, Width, Height, new RecipeStamp(Recipe with { Model = "svd-xt-elsewhere" }));

        Upload(page, frame, "frame.png", "image/png");
        page.WaitForElement("#remix-offer");
        Assert.Contains("Pack 'svd-xt-elsewhere' is not available here", page.Find("#remix-pack-missing").TextContent, StringComparison.Ordinal);

        page.Find("#remix-recipe").Click();

        AssertRecipeLoaded(page);
        Assert.Equal("tiny-svd", page.FindComponent<MudSelect<string>>().Instance.GetState(x => x.Value));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Directory.Delete(_work, recursive: true);
    }
}
