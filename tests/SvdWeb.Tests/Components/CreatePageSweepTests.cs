using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The Create page's sweep section: collapsed until asked for, the cell count as values are typed, more than
/// 16 cells refused in the form, and "Queue sweep" storing every cell as a job and opening the sweep's page.</summary>
public sealed class CreatePageSweepTests : RealServicesContext
{
    private IRenderedComponent<Create> RenderCreate()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<Create>();
    }

    private static async Task ChooseAsync(IRenderedComponent<Create> page, int axis, string parameter)
    {
        var select = page.FindComponents<MudSelect<string>>().Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("id"), $"sweep-param-{axis}"));
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(parameter));
    }

    [Fact]
    public async Task Sweep_TwoSettings_CountsTheCellsRefusesSeventeenAndQueuesEveryCellThenOpensTheSweep()
    {
        var page = RenderCreate();
        Assert.Empty(page.FindAll("#sweep-section"));
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo.png", contentType: "image/png"));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#model-view")));

        page.Find("#sweep-toggle").Change(true);
        await ChooseAsync(page, 0, "motionBucketId");
        page.Find("#sweep-values-0").Input("60, 127, 200");

        page.WaitForAssertion(() => Assert.StartsWith("3 cells", page.Find("#sweep-cells").TextContent, StringComparison.Ordinal));

        await ChooseAsync(page, 1, "seed");
        page.Find("#sweep-values-1").Input("1,2,3,4,5,6");
        page.WaitForAssertion(() => Assert.Contains("3 × 6 = 18 cells; a sweep has at most 16", page.Find("#sweep-problem").TextContent, StringComparison.Ordinal));
        Assert.True(page.Find("#queue-sweep").HasAttribute("disabled"));

        page.Find("#sweep-values-1").Input("1,2");
        page.WaitForAssertion(() => Assert.StartsWith("6 cells", page.Find("#sweep-cells").TextContent, StringComparison.Ordinal));
        page.Find("#queue-sweep").Click();

        var navigation = Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => Assert.Contains("/sweeps/", navigation.Uri, StringComparison.Ordinal));
        using var db = Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContext();
        var sweep = Assert.Single(db.Sweeps.ToList());
        Assert.EndsWith($"/sweeps/{sweep.Id}", navigation.Uri, StringComparison.Ordinal);
        var jobs = db.Jobs.Where(j => j.SweepId == sweep.Id).ToList();
        Assert.Equal(6, jobs.Count);
        Assert.Equal([(60, 1L), (127, 1L), (200, 1L), (60, 2L), (127, 2L), (200, 2L)],
            jobs.OrderBy(j => j.SweepRow).ThenBy(j => j.SweepColumn).Select(j => (j.Recipe.MotionBucketId, j.Recipe.Seed)));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Queued, j.Status));
    }

    [Fact]
    public async Task Sweep_ValueOutOfRange_NamesTheCellAndQueuesNothing()
    {
        var page = RenderCreate();
        page.Find("#sweep-toggle").Change(true);
        await ChooseAsync(page, 0, "noiseAugStrength");

        page.Find("#sweep-values-0").Input("0.02, 1.5");

        page.WaitForAssertion(() => Assert.Contains("The cell noise 1.5 cannot run: noiseAugStrength must be between 0 and 1", page.Find("#sweep-problem").TextContent, StringComparison.Ordinal));
        Assert.True(page.Find("#queue-sweep").HasAttribute("disabled"));
    }
}
