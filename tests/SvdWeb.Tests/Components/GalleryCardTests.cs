using Bunit;
using SvdWeb.Components.Shared;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

public sealed class GalleryCardTests : BunitContext
{
    private static Job Item(JobStatus status) => new()
    {
        Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        CreatedUtc = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc),
        Status = status,
        ModelName = "tiny-svd",
        ModelHash = new string('a', 64),
        Recipe = new SvdRecipe { Width = 128, Height = 64, NumFrames = 6, Seed = 42 }.Resolve(ModelPack.Load(Fixtures.TinyPack)),
        MediaFolder = "0f8fad5bd9cb469fa16570867728950e",
        InputFileName = "logo.png",
        InputFile = "input.png",
        InputSha256 = new string('b', 64),
    };

    public GalleryCardTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServicesForTests();
    }

    [Fact]
    public void Render_Succeeded_ShowsThumbnailSeedAndLink()
    {
        var card = Render<GalleryCard>(p => p.Add(c => c.Item, Item(JobStatus.Succeeded)));

        Assert.Equal("/gallery/0f8fad5b-d9cb-469f-a165-70867728950e", card.Find("a").GetAttribute("href"));
        Assert.EndsWith("/thumbnail.png", card.Find("img").GetAttribute("src"), StringComparison.Ordinal);
        Assert.Contains("128×64 · 6 frames · seed 42", card.Markup, StringComparison.Ordinal);
        Assert.Equal("Succeeded", card.Find(".status-chip").GetAttribute("data-status"));
    }

    [Fact]
    public void Render_Draft_MarkedDraftWithItsStepsAndOthersNot()
    {
        var draft = new Job
        {
            Id = Guid.NewGuid(), Status = JobStatus.Succeeded, ModelName = "tiny-svd", ModelHash = new string('a', 64),
            Recipe = new SvdRecipe { Width = 128, Height = 64, NumInferenceSteps = 8 }.Resolve(ModelPack.Load(Fixtures.TinyPack)),
            FinalInferenceSteps = 25, MediaFolder = "f", InputFileName = "logo.png", InputFile = "input.png", InputSha256 = new string('b', 64),
        };

        var card = Render<GalleryCard>(p => p.Add(c => c.Item, draft));
        var plain = Render<GalleryCard>(p => p.Add(c => c.Item, Item(JobStatus.Succeeded)));

        Assert.Equal("Draft", card.Find(".draft-chip").TextContent.Trim());
        Assert.Contains("A draft: 8 denoising steps; Make final on its page runs the same recipe with 25.", card.Find(".draft-chip").GetAttribute("title"), StringComparison.Ordinal);
        Assert.Empty(plain.FindAll(".draft-chip"));
    }

    [Fact]
    public void Hover_Succeeded_SwitchesToAnimatedPreview()
    {
        var card = Render<GalleryCard>(p => p.Add(c => c.Item, Item(JobStatus.Succeeded)));

        card.Find("a").MouseOver();

        Assert.EndsWith("/preview.gif", card.Find("img").GetAttribute("src"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Failed_ShowsInputImageAndStatus()
    {
        var card = Render<GalleryCard>(p => p.Add(c => c.Item, Item(JobStatus.Failed)));

        Assert.EndsWith("/input.png", card.Find("img").GetAttribute("src"), StringComparison.Ordinal);
        Assert.Equal("Failed", card.Find(".status-chip").GetAttribute("data-status"));
    }
}
