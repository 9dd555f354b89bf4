using System.Net;
using System.Net.Http.Json;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Api;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// A setting left at its default means the same on the Create page as in the REST API: with frames other than the
/// pack's, both resolve the decode chunk to the frames asked for (diffusers' default), so "defaults" give one video.
/// The page runs on the real services, the API on the real host.
/// </summary>
public sealed class CreatePageDefaultsTests : RealServicesContext
{
    private const long Seed = 4242;

    private static void Type(IRenderedComponent<Create> page, string id, string value)
    {
        if (page.Find($"#{id}").HasAttribute("blazor:oninput")) page.Find($"#{id}").Input(value);
        else page.Find($"#{id}").Change(value);
        page.Find($"#{id}").Blur();
    }

    private SvdRecipe PageRecipe(int frames)
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        var page = Render<Create>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo_128x64.png", contentType: "image/png"));
        page.WaitForElement("#model-view");
        Type(page, "num-frames", frames.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Type(page, "seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

        page.Find("#generate").Click();

        var factory = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>();
        Job? job = null;
        page.WaitForAssertion(() =>
        {
            using var db = factory.CreateDbContext();
            job = Assert.Single(db.Jobs.ToList());
        });
        return job!.ToRecipe();
    }

    [Fact]
    public async Task DefaultsWithFramesOtherThanThePacks_PageAndApiResolveTheSameRecipe()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var pack = ModelPack.Load(Fixtures.TinyPack);
        const int frames = 3;
        Assert.NotEqual(frames, pack.DefaultFrames);

        var fromPage = PageRecipe(frames);

        using var host = new SvdWebFactory();
        var client = host.CreateClient();
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), $$"""{"numFrames":{{frames}},"seed":{{Seed}}}"""), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var fromApi = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Recipe;

        Assert.Equal(frames, fromPage.DecodeChunkSize);
        Assert.Equal(fromApi.ToJson(), fromPage.ToJson());
        Assert.Equal((SvdRecipe.Defaults with { NumFrames = frames, DecodeChunkSize = frames, Seed = Seed }).Resolve(pack).ToRequest(pack.Name), fromPage);
    }
}
