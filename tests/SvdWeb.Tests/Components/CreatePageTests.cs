using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

public sealed class CreatePageTests : RealServicesContext
{
    private IRenderedComponent<MudSnackbarProvider>? _snackbars;

    private IRenderedComponent<Create> RenderCreate()
    {
        Render<MudPopoverProvider>();
        _snackbars = Render<MudSnackbarProvider>();
        return Render<Create>();
    }

    private static void Upload(IRenderedComponent<Create> page, string fixtureImage) =>
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image(fixtureImage)), fixtureImage, contentType: "image/png"));

    private static string ValueOf(IRenderedComponent<Create> page, string id) => page.Find($"#{id}").GetAttribute("value") ?? "";

    /// <summary>Types into a MudNumericField as a user does: an Immediate field takes input events, the others commit on change.</summary>
    private static void Type(IRenderedComponent<Create> page, string id, string value)
    {
        if (page.Find($"#{id}").HasAttribute("blazor:oninput")) page.Find($"#{id}").Input(value);
        else page.Find($"#{id}").Change(value);
        page.Find($"#{id}").Blur();
    }

    private Job SingleStoredJob(IRenderedComponent<Create> page)
    {
        var factory = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>();
        Job? job = null;
        page.WaitForAssertion(() =>
        {
            using var db = factory.CreateDbContext();
            job = Assert.Single(db.Jobs.ToList());
        });
        return job!;
    }

    [Fact]
    public void Render_TinyPackDefault_FillsFieldsFromPack()
    {
        var page = RenderCreate();

        // The tiny pack: 6 frames (unet num_frames), 128x64 by its svdweb.json; decode chunk left empty: all frames.
        Assert.Equal("6", ValueOf(page, "num-frames"));
        Assert.Equal("", ValueOf(page, "decode-chunk-size"));
        Assert.Equal("all 6", page.Find("#decode-chunk-size").GetAttribute("placeholder"));
        Assert.Equal("128", ValueOf(page, "width"));
        Assert.Equal("64", ValueOf(page, "height"));
        Assert.Equal("25", ValueOf(page, "steps"));
        Assert.Equal("127", ValueOf(page, "motion-bucket-id"));
        Assert.Contains("conditions the model on fps − 1 = 6", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_EnlargedMoreThanTwice_WarnsWithTheFactor_TwiceIsFine()
    {
        var page = RenderCreate();
        Type(page, "width", "256");
        Type(page, "height", "128");

        Upload(page, "logo_128x64.png");
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#model-view")));
        Assert.Empty(page.FindAll("#upscale-warning"));   // exactly 2×

        Upload(page, "rose_70x46.png");
        page.WaitForAssertion(() => Assert.Equal(
            "The image is 70 × 46: fitting it to 256 × 128 enlarges it 3.7×, so the video will look soft. A larger image, or a smaller output size, keeps its detail.",
            page.Find("#upscale-warning").TextContent));
    }

    [Fact]
    public void Render_DropZone_IsAButtonReachableWithTab()
    {
        var page = RenderCreate();

        var zone = page.Find(".drop-zone");
        Assert.Equal(("0", "button"), (zone.GetAttribute("tabindex"), zone.GetAttribute("role")));
        Assert.Contains("paste", zone.GetAttribute("aria-label"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MotionSlider_CoversTheRangeTheFieldAccepts()
    {
        var page = RenderCreate();

        var slider = page.Find("input[type='range'][aria-label='motion bucket id']");
        // The field accepts 0–1023 (SvdParameterLimits; SVD was trained on 0–255, which its help text says).
        Assert.Equal(("0", "1023"), (slider.GetAttribute("min"), slider.GetAttribute("max")));
    }

    [Fact]
    public void Generate_WithoutImage_AsksForOne()
    {
        var page = RenderCreate();

        page.Find("#generate").Click();

        Assert.Contains("Choose an image first.", page.Find("#image-error").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_NotAnImage_ShowsMessageNamingFile()
    {
        var page = RenderCreate();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("<html></html>", "notes.png"));

        page.WaitForAssertion(() => Assert.Contains("'notes.png' is not an image SvdWeb can read", page.Find("#image-error").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void WidthNotMultipleOfUNetFactor_ShowsFieldMessageGenerateOffAndStoresNothing()
    {
        var page = RenderCreate();
        Upload(page, "rose_70x46.png");
        page.WaitForElement("#model-view");

        Type(page, "width", "120");

        page.WaitForAssertion(() => Assert.Contains("width must be a multiple of 16 for pack 'tiny-svd'", Assert.Single(page.FindAll(".mud-input-helper-text.mud-input-error")).TextContent, StringComparison.Ordinal));
        Assert.True(page.Find("#generate").HasAttribute("disabled"));
        page.Find("#create-page").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter", CtrlKey = true });
        using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
        Assert.Equal(0, db.Jobs.Count());
    }

    [Fact]
    public void OutOfRangeValues_AllShownAtOnceWithTheirRanges_KeptAsTyped_GenerateOffUntilFixed()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");

        Type(page, "num-frames", "0");
        Type(page, "fps", "200");
        Type(page, "height", "20");

        page.WaitForAssertion(() => Assert.Equal(("0", "200", "20"), (ValueOf(page, "num-frames"), ValueOf(page, "fps"), ValueOf(page, "height"))));
        Assert.Contains("numFrames must be between 1 and 128", page.Markup, StringComparison.Ordinal);
        Assert.Contains("fps must be between 1 and 120", page.Markup, StringComparison.Ordinal);
        Assert.Contains("height must be between 64 and 2048", page.Markup, StringComparison.Ordinal);
        Assert.Equal(3, page.FindAll(".mud-input-helper-text.mud-input-error").Count(e => e.TextContent.Contains(" must be between ", StringComparison.Ordinal)));
        Assert.Equal("Fix the highlighted settings to generate: height, numFrames, fps.", page.Find("#generate-blocked").TextContent);
        Assert.True(page.Find("#generate").HasAttribute("disabled"));
        page.Find("#create-page").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter", CtrlKey = true });
        using (var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext())
            Assert.Equal(0, db.Jobs.Count());

        Type(page, "num-frames", "6");
        Type(page, "fps", "7");
        Assert.True(page.Find("#generate").HasAttribute("disabled"));
        Type(page, "height", "64");

        page.WaitForAssertion(() => Assert.False(page.Find("#generate").HasAttribute("disabled")));
        Assert.Empty(page.FindAll("#generate-blocked"));
        page.Find("#generate").Click();
        SingleStoredJob(page);
    }

    [Fact]
    public void Generate_LockedSeed_QueuesJobWithThatSeedAndPackDefaults()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");

        Type(page, "seed", "4242");
        page.Find("#generate").Click();

        var job = SingleStoredJob(page);
        Assert.Equal(4242, job.Recipe.Seed);
        Assert.Equal((128, 64, 6, "tiny-svd"), (job.Recipe.Width, job.Recipe.Height, job.Recipe.NumFrames, job.ModelName));
        Assert.Equal(JobStatus.Queued, job.Status);
        // The page stays (image and settings kept); the snackbar links to the job.
        page.WaitForAssertion(() => Assert.Equal($"/gallery/{job.Id}", _snackbars!.Find("#queued-link-0").GetAttribute("href")));
        Assert.DoesNotContain("/gallery/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Equal("4242", ValueOf(page, "seed"));
        Assert.NotEmpty(page.FindAll("#model-view"));
    }

    [Fact]
    public void Generate_LowMemoryOn_EstimateSaysSoAndTheJobKeepsIt()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        Assert.DoesNotContain("Low memory", page.Find("#memory-estimate").TextContent, StringComparison.Ordinal);

        var toggle = page.Find("#low-memory");
        (toggle.TagName == "INPUT" ? toggle : page.Find("#low-memory input")).Change(true);

        page.WaitForAssertion(() => Assert.Contains("Low memory: runs with model CPU offload, forward chunking", page.Find("#memory-estimate").TextContent, StringComparison.Ordinal));
        page.Find("#generate").Click();
        Assert.True(SingleStoredJob(page).LowMemory);
    }

    [Fact]
    public void Draft_QueuesTheSameRecipeWithThePacksDraftStepsAndRemembersTheFinals()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        Type(page, "seed", "77");
        Type(page, "steps", "20");

        var hint = page.Find("#draft").GetAttribute("title");
        Assert.Contains("8 denoising steps instead of 20", hint, StringComparison.Ordinal);
        Assert.Contains("29.1–31.5 dB PSNR", hint, StringComparison.Ordinal);
        page.Find("#draft").Click();

        var job = SingleStoredJob(page);
        Assert.True(job.IsDraft);
        Assert.Equal((8, 20, 77L), (job.Recipe.NumInferenceSteps, job.FinalInferenceSteps, job.Recipe.Seed));
        page.WaitForAssertion(() => Assert.Contains("Draft, 8 steps (Make final on its page runs 20)", _snackbars!.Find("#queued-snackbar").TextContent, StringComparison.Ordinal));
        Assert.Equal($"/gallery/{job.Id}", _snackbars!.Find("#queued-link-0").GetAttribute("href"));
    }

    [Fact]
    public void Draft_FewerStepsThanTheDraftsInTheRecipe_RunsTheRecipesAndGenerateStaysPlain()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        Type(page, "steps", "3");

        Assert.Contains("3 denoising steps instead of 3", page.Find("#draft").GetAttribute("title"), StringComparison.Ordinal);
        page.Find("#generate").Click();

        var job = SingleStoredJob(page);
        Assert.False(job.IsDraft);
        Assert.Equal(3, job.Recipe.NumInferenceSteps);
    }

    [Fact]
    public void Generate_CountOfThree_QueuesSeedsSToSPlusTwoAndLinksEach()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        Type(page, "seed", "100");
        Type(page, "count", "3");

        page.Find("#generate").Click();

        var factory = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>();
        page.WaitForAssertion(() =>
        {
            using var db = factory.CreateDbContext();
            Assert.Equal([100L, 101L, 102L], db.Jobs.Select(g => g.Recipe.Seed).ToList().Order());
        });
        page.WaitForAssertion(() => Assert.Equal(3, _snackbars!.FindAll(".queued-link").Count));
        Assert.Contains("seeds 100–102", _snackbars!.Find("#queued-snackbar").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void CtrlEnter_OnThePage_Generates()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");

        page.Find("#create-page").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter", CtrlKey = true });

        SingleStoredJob(page);
    }

    [Fact]
    public void Enter_WithoutCtrl_DoesNotGenerate()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");

        page.Find("#create-page").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter" });

        using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
        Assert.Equal(0, db.Jobs.Count());
    }

    [Fact]
    public void Generate_UnlockedSeed_DrawsFreshSeedEachTime()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        var shown = long.Parse(ValueOf(page, "seed"), System.Globalization.CultureInfo.InvariantCulture);

        page.Find("#generate").Click();

        var job = SingleStoredJob(page);
        Assert.NotEqual(shown, job.Recipe.Seed);
        Assert.InRange(job.Recipe.Seed, 0, uint.MaxValue);
    }

    [Fact]
    public async Task Render_RemixOfGalleryItem_PrefillsImageAndSettingsWithSeedLocked()
    {
        var generations = Services.GetRequiredService<SvdWeb.Jobs.JobService>();
        await using var upload = File.OpenRead(Fixtures.Image("rose_70x46.png"));
        var source = await generations.SubmitAsync(upload, "rose.png", new SvdWeb.Inference.SvdRecipe
        {
            Width = 64, Height = 128, NumFrames = 5, NumInferenceSteps = 7, MotionBucketId = 200, Fps = 9, Seed = 99,
            Fit = SvdWeb.Inference.Imaging.FitMode.Pad,
        }, SvdWeb.Jobs.JobOwner.Local, Xunit.TestContext.Current.CancellationToken);
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/create?remix={source.Id}");

        var page = RenderCreate();

        page.WaitForAssertion(() => Assert.Contains("rose.png · 70 × 46", page.Find("#input-info").TextContent, StringComparison.Ordinal));
        Assert.Equal(("64", "128", "5", "7"), (ValueOf(page, "width"), ValueOf(page, "height"), ValueOf(page, "num-frames"), ValueOf(page, "steps")));
        Assert.Equal(("200", "9", "99"), (ValueOf(page, "motion-bucket-id"), ValueOf(page, "fps"), ValueOf(page, "seed")));
        Assert.Contains("Locked", page.Markup, StringComparison.Ordinal);
        Assert.Contains("What the model sees (64 × 128, pad)", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void FileChipClose_RemovesTheImage_GenerateAsksForOne()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");
        Assert.Contains("logo_128x64.png", page.Find("#file-chip").TextContent, StringComparison.Ordinal);

        page.Find("#file-chip button").Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("#file-chip")));
        Assert.Empty(page.FindAll("#input-preview"));
        Assert.Empty(page.FindAll("#model-view"));
        page.Find("#generate").Click();
        page.WaitForAssertion(() => Assert.Equal("Choose an image first.", page.Find("#image-error").TextContent));
        using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
        Assert.Equal(0, db.Jobs.Count());
    }

    [Fact]
    public void RejectedFileAfterGoodOne_ChipKeepsTheLoadedImagesName()
    {
        var page = RenderCreate();
        Upload(page, "logo_128x64.png");
        page.WaitForElement("#model-view");

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("<html></html>", "notes.png"));

        page.WaitForElement("#image-error");
        Assert.Contains("logo_128x64.png", page.Find("#file-chip").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("notes.png", page.Find("#file-chip").TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(page.FindAll("#model-view"));
    }

    [Fact]
    public void HalfRandn_Setting_ExplainsFloat16OnlyTorchVersionsAndThisPack()
    {
        var page = RenderCreate();

        Assert.Equal("legacy (torch ≤ 2.11)", ValueOf(page, "half-randn"));
        var form = page.Find("#settings-form").TextContent;
        Assert.Contains("halfRandn only matters for float16 packs", form, StringComparison.Ordinal);
        Assert.Contains("torch 2.12 changed how torch.randn makes float16 noise", form, StringComparison.Ordinal);
        Assert.Contains("\"legacy\" reproduces torch ≤ 2.11, \"new\" torch ≥ 2.12", form, StringComparison.Ordinal);
        Assert.Contains("It changes the video only for float16 packs", form, StringComparison.Ordinal);
        // The bundled tiny pack is float32: the page says the choice does nothing for it.
        Assert.Contains("tiny-svd is float32: this choice changes nothing for it.", form, StringComparison.Ordinal);
    }
}
