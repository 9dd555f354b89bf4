using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Components.Shared;
using SvdWeb.Inference;
using SvdWeb.Inference.Rng;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The detail page's recipe table: halfRandn with what it means, and Created as the shared LocalTime.</summary>
public sealed class JobDetailRecipeTests : RealServicesContext
{
    [Fact]
    public async Task Facts_HalfRandnNew_NamedWithTorchVersionAndExplained_CreatedIsLocalTime()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await Services.GetRequiredService<JobService>().SubmitAsync(image, "a.png",
            new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1, HalfRandn = HalfRandnMode.New }, JobOwner.Local, ct);
        Render<MudPopoverProvider>();

        var page = Render<JobDetail>(p => p.Add(c => c.Id, job.Id));

        var fact = page.WaitForElement("[data-fact='halfRandn']");
        Assert.StartsWith("new (torch ≥ 2.12)", fact.TextContent, StringComparison.Ordinal);
        var help = fact.QuerySelector(".half-randn-help")!.TextContent;
        Assert.Contains("only matters for float16 packs", help, StringComparison.Ordinal);
        Assert.Contains("torch 2.12 changed how torch.randn makes float16 noise", help, StringComparison.Ordinal);
        Assert.Contains("\"legacy\" reproduces torch ≤ 2.11, \"new\" torch ≥ 2.12", help, StringComparison.Ordinal);
        Assert.Contains("It changes the video only for float16 packs", help, StringComparison.Ordinal);
        // The same key in the recipe JSON the row explains.
        Assert.Contains("\"halfRandn\": \"new\"", page.Find("#recipe-json").TextContent, StringComparison.Ordinal);
        var created = page.Find("[data-fact='Created'] time.local-time");
        Assert.Equal(job.CreatedUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), created.GetAttribute("datetime"));
        Assert.NotNull(page.FindComponent<LocalTime>());
    }
}
