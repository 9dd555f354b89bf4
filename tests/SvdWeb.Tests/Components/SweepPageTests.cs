using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Inference;
using SvdWeb.Inference.Sweeps;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The sweep page with real services (no worker, so cells stay queued): the grid's labels, a link per cell, the
/// shared controls, and the grid download off until every cell has succeeded.</summary>
public sealed class SweepPageTests : RealServicesContext
{
    [Fact]
    public async Task Render_TwoByTwoQueued_LabelsRowsAndColumnsLinksEachCellAndHoldsTheDownload()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var jobs = Services.GetRequiredService<JobService>();
        var plan = SweepPlan.Create(SvdRecipe.Defaults with { Seed = 3, NumInferenceSteps = 2 }, ["fps=6,8", "motionBucketId=10,90"], null);
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var (sweep, cells) = await jobs.SubmitSweepAsync(image, "logo.png", plan, JobOwner.Local, ct);
        Render<MudPopoverProvider>();

        var page = Render<SweepPage>(p => p.Add(x => x.Id, sweep.Id));

        page.WaitForAssertion(() => Assert.Equal("Sweep: logo.png", page.Find("#page-title").TextContent));
        Assert.Equal(["fps 6", "fps 8"], page.FindAll(".sweep-column-label").Select(e => e.TextContent));
        Assert.Equal(["motion 10", "motion 90"], page.FindAll(".sweep-row-label").Select(e => e.TextContent));
        var cell = cells.Single(c => c.SweepRow == 1 && c.SweepColumn == 0);
        Assert.Equal($"/gallery/{cell.Id}", page.Find("#sweep-link-1-0").GetAttribute("href"));
        Assert.Equal("fps 6 · motion 90", page.Find("#sweep-link-1-0").TextContent);
        Assert.Equal("Queued", page.Find("#sweep-cell-1-0").GetAttribute("data-status"));
        Assert.Contains("0 of 4 cells done", page.Find("#sweep-summary").TextContent, StringComparison.Ordinal);
        // No video before a cell succeeds, and no grid to download.
        Assert.Empty(page.FindAll("video.sweep-video"));
        Assert.True(page.Find("#sweep-download").HasAttribute("disabled"));
        Assert.NotNull(page.Find("#sweep-play"));
        Assert.Equal("5", page.Find("#sweep-scrub").GetAttribute("max"));
    }

    [Fact]
    public async Task Render_SeveralVideosPerCell_SaysTheGridShowsEachCellsFirst()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var jobs = Services.GetRequiredService<JobService>();
        var single = SweepPlan.Create(SvdRecipe.Defaults with { Seed = 3, NumInferenceSteps = 2 }, ["seed=1,2"], null);
        var several = SweepPlan.Create(SvdRecipe.Defaults with { Seed = 3, NumInferenceSteps = 2, NumVideosPerPrompt = 2 }, ["seed=1,2"], null);
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var (one, _) = await jobs.SubmitSweepAsync(image, "logo.png", single, JobOwner.Local, ct);
        image.Position = 0;
        var (two, _) = await jobs.SubmitSweepAsync(image, "logo.png", several, JobOwner.Local, ct);
        Render<MudPopoverProvider>();

        var plain = Render<SweepPage>(p => p.Add(x => x.Id, one.Id));
        plain.WaitForElement("#sweep-summary");
        Assert.Empty(plain.FindAll("#sweep-videos-note"));

        var page = Render<SweepPage>(p => p.Add(x => x.Id, two.Id));
        page.WaitForAssertion(() => Assert.Contains("Each cell made 2 videos: the grid plays and the grid MP4 holds each cell's first",
            page.Find("#sweep-videos-note").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteSweep_AfterConfirming_RemovesEveryCellAndTheSweepAndOpensTheGallery()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var jobs = Services.GetRequiredService<JobService>();
        var plan = SweepPlan.Create(SvdRecipe.Defaults with { Seed = 3, NumInferenceSteps = 2 }, ["seed=1,2"], null);
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var (sweep, cells) = await jobs.SubmitSweepAsync(image, "logo.png", plan, JobOwner.Local, ct);
        var dialogs = Render<MudDialogProvider>();
        Render<MudPopoverProvider>();
        var page = Render<SweepPage>(p => p.Add(x => x.Id, sweep.Id));
        page.WaitForElement("#sweep-delete");

        page.Find("#sweep-delete").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Its 2 cell(s) are removed", dialogs.Markup, StringComparison.Ordinal));
        // Keep first: nothing changes.
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();
        foreach (var cell in cells) Assert.NotNull(await jobs.FindAsync(cell.Id, ct));
        page.Find("#sweep-delete").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete this sweep?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        page.WaitForAssertion(() => Assert.EndsWith("/gallery", navigation.Uri, StringComparison.Ordinal));
        foreach (var cell in cells) Assert.Null(await jobs.FindAsync(cell.Id, ct));
        Assert.Null(await Services.GetRequiredService<SweepService>().FindVisibleAsync(sweep.Id, SvdWeb.Accounts.LocalUser.Principal, ct));
    }

    [Fact]
    public void Render_UnknownSweep_SaysSo()
    {
        var page = Render<SweepPage>(p => p.Add(x => x.Id, Guid.NewGuid()));

        page.WaitForAssertion(() => Assert.Contains("There is no sweep", page.Find("#sweep-missing").TextContent, StringComparison.Ordinal));
    }
}
