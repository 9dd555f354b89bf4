using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Options;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The Create page's memory estimate and refusal, on the real services with SvdWeb:Inference:GpuMemoryBytes set to what
/// the tiny pack's defaults need with a decode chunk of 3 (its defaults decode all 6 frames at once: too much), and
/// model CPU offload and forward chunking set to Never, so nothing but the recipe can make it fit.
/// </summary>
public sealed class CreatePageMemoryTests : RealServicesContext
{
    private static readonly ModelPack Tiny = ModelPack.Load(Fixtures.TinyPack);
    private static readonly long Available = GpuMemoryEstimator.Estimate(Tiny, new MemoryRecipe(6, 64, 128, 3, 1, Guidance: true)).TotalBytes;

    public CreatePageMemoryTests()
        : base(Path.Combine(Fixtures.RepoRoot, "models"), options =>
        {
            options.Inference.GpuMemoryBytes = Available;
            options.Inference.ModelCpuOffload = MemoryOptionMode.Never;
            options.Inference.ForwardChunking = MemoryOptionMode.Never;
        })
    {
    }

    private IRenderedComponent<Create> RenderCreate()
    {
        Render<MudPopoverProvider>();
        return Render<Create>();
    }

    private static void Type(IRenderedComponent<Create> page, string id, string value)
    {
        if (page.Find($"#{id}").HasAttribute("blazor:oninput")) page.Find($"#{id}").Input(value);
        else page.Find($"#{id}").Change(value);
        page.Find($"#{id}").Blur();
    }

    private static string Expected(int frames, int chunk) =>
        GpuMemoryEstimator.Estimate(Tiny, new MemoryRecipe(frames, 64, 128, chunk, 1, Guidance: true)).Describe();

    [Fact]
    public void Render_Defaults_EstimateOverLimitNamesTheFix()
    {
        var page = RenderCreate();

        var text = page.Find("#memory-estimate").TextContent;
        Assert.Contains(Expected(6, 6), text, StringComparison.Ordinal);
        Assert.Contains("decodeChunkSize) of 3 or less", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangeDecodeChunkAndFrames_EstimateFollows()
    {
        var page = RenderCreate();

        Type(page, "decode-chunk-size", "3");
        page.WaitForAssertion(() => Assert.Contains($"Estimated peak GPU memory: {Expected(6, 3)}", page.Find("#memory-estimate").TextContent, StringComparison.Ordinal));
        Assert.Contains($"The GPU has {GpuMemoryEstimate.Gib(Available)} GiB (SvdWeb:Inference:GpuMemoryBytes)", page.Find("#memory-estimate").TextContent, StringComparison.Ordinal);

        Type(page, "num-frames", "2");
        page.WaitForAssertion(() => Assert.Contains(Expected(2, 3), page.Find("#memory-estimate").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generate_OverLimit_ButtonOffRefusalShownOnceAndTheServiceRefusesItToo()
    {
        var page = RenderCreate();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo_128x64.png", contentType: "image/png"));
        page.WaitForElement("#model-view");

        Assert.True(page.Find("#generate").HasAttribute("disabled"));
        // Ctrl+Enter reaches Generate with the button off: still nothing queued, and no second copy of the refusal.
        page.Find("#create-page").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Enter", CtrlKey = true });

        var fix = "decodeChunkSize) of 3 or less";
        Assert.Contains(fix, page.Find("#memory-estimate").TextContent, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(page.Markup, fix));
        Assert.Empty(page.FindAll("#submit-error"));
        Assert.Contains("does not fit the GPU's memory", page.Find("#generate-blocked").TextContent, StringComparison.Ordinal);
        using (var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext())
            Assert.Equal(0, db.Jobs.Count());
        // Nothing changed the decode chunk the user left empty (the default: all frames).
        Assert.Equal("", page.Find("#decode-chunk-size").GetAttribute("value") ?? "");

        // The refusal is the server's, not only the page's: the service refuses the page's recipe with the same words.
        var generations = Services.GetRequiredService<SvdWeb.Jobs.JobService>();
        await using var upload = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var refused = await Assert.ThrowsAsync<SvdWeb.Jobs.InsufficientGpuMemoryException>(() => generations.SubmitAsync(upload, "logo.png",
            new SvdWeb.Inference.SvdRecipe { Seed = 1 }, SvdWeb.Jobs.JobOwner.Local, Xunit.TestContext.Current.CancellationToken));
        Assert.Contains(refused.Message, page.Find("#memory-estimate").TextContent, StringComparison.Ordinal);

        // A decode chunk that fits turns Generate back on and queues.
        Type(page, "decode-chunk-size", "3");
        page.WaitForAssertion(() => Assert.False(page.Find("#generate").HasAttribute("disabled")));
        page.Find("#generate").Click();
        page.WaitForAssertion(() =>
        {
            using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
            Assert.Equal(3, Assert.Single(db.Jobs.ToList()).Recipe.DecodeChunkSize);
        });
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
