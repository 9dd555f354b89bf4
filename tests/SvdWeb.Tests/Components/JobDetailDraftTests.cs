using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The detail page of a draft (its "Draft" mark, its steps and Make final, on the real job service) and the player's
/// switch between the original video and the smoothed ones.
/// </summary>
public sealed class JobDetailDraftTests : RealServicesContext
{
    private IRenderedComponent<MudSnackbarProvider>? _snackbars;

    private IRenderedComponent<MudSnackbarProvider> Snackbars => _snackbars ?? throw new InvalidOperationException("Render the page first.");

    private JobService Jobs => Services.GetRequiredService<JobService>();

    private IRenderedComponent<JobDetail> RenderDetail(Guid id)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "owner-1"), new Claim(ClaimTypes.Name, "owner")], "Test"));
        Render<MudPopoverProvider>();
        _snackbars = Render<MudSnackbarProvider>();
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<JobDetail>(d => d.Add(c => c.Id, id)));
        return host.FindComponent<JobDetail>();
    }

    private async Task<Job> SubmitAsync(bool draft, CancellationToken ct)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return await Jobs.SubmitAsync(image, "owner.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 12, Fps = 7, Seed = 5 },
            new JobOwner("owner-1", "owner"), ct, draft: draft);
    }

    /// <summary>As a worker leaves a finished job (no worker runs here): succeeded with one video.</summary>
    private async Task SucceedAsync(Guid id, CancellationToken ct)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var row = await db.Jobs.SingleAsync(g => g.Id == id, ct);
        row.Status = JobStatus.Succeeded;
        row.VideoCount = 1;
        row.FinishedUtc = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
    }

    [Fact]
    public async Task MakeFinal_OnADraft_QueuesItsRecipeWithTheFinalStepsAsANewJobAndLinksIt()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var draft = await SubmitAsync(draft: true, ct);
        await SucceedAsync(draft.Id, ct);
        var page = RenderDetail(draft.Id);

        Assert.Equal("Draft", page.WaitForElement("#detail-draft .draft-chip").TextContent.Trim());
        Assert.Equal("8 (draft; Make final runs 12)", page.Find("[data-fact='Steps']").TextContent.Trim());
        Assert.Contains("12 denoising steps", page.Find("#make-final").GetAttribute("title"), StringComparison.Ordinal);
        await page.Find("#make-final").ClickAsync(new());

        Snackbars.WaitForAssertion(() => Assert.Contains("The final of this draft, 12 steps.", Snackbars.Find("#queued-snackbar").TextContent, StringComparison.Ordinal));
        var href = Snackbars.Find("#queued-link-0").GetAttribute("href")!;
        var final = await Jobs.FindAsync(Guid.Parse(href["/gallery/".Length..]), ct);
        Assert.NotNull(final);
        Assert.NotEqual(draft.Id, final.Id);
        Assert.False(final.IsDraft);
        Assert.Equal(draft.ToRecipe() with { NumInferenceSteps = 12 }, final.ToRecipe());
        Assert.Equal((draft.Id, draft.InputSha256, JobStatus.Queued), (final.SourceId!.Value, final.InputSha256, final.Status));
        // The draft stays as it was, and the page stays on it.
        Assert.True((await Jobs.FindAsync(draft.Id, ct))!.IsDraft);
        Assert.EndsWith("/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_NotADraft_NoDraftMarkNoMakeFinalAndTheStepsAlone()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(draft: false, ct);
        await SucceedAsync(job.Id, ct);
        var page = RenderDetail(job.Id);

        page.WaitForElement("#regenerate");
        Assert.Empty(page.FindAll(".draft-chip"));
        Assert.Empty(page.FindAll("#make-final"));
        Assert.Equal("12", page.Find("[data-fact='Steps']").TextContent.Trim());
    }

    [Fact]
    public async Task Player_Toggle_PlaysTheSmoothedVideoAndSaysItsFps()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(draft: false, ct);
        await SucceedAsync(job.Id, ct);
        var page = RenderDetail(job.Id);

        Assert.Equal($"/api/jobs/{job.Id}/video?index=0", page.WaitForElement("#video-0").GetAttribute("src"));
        Assert.Equal("7 fps (original)", page.Find("#fps-label-0").TextContent.Trim());
        Assert.Equal("true", page.Find("#smooth-1-0").GetAttribute("aria-pressed"));

        page.Find("#smooth-2-0").Click();

        Assert.Equal($"/api/jobs/{job.Id}/video?index=0&interpolate=2", page.Find("#video-0").GetAttribute("src"));
        Assert.Equal("14 fps (smoothed ×2 from 7)", page.Find("#fps-label-0").TextContent.Trim());
        // Frame stepping follows what is playing: 4 frames at 7 fps became 8 at 14.
        Assert.Equal(("14", "8"), (page.Find("#player-0").GetAttribute("data-fps"), page.Find("#player-0").GetAttribute("data-frames")));
        Assert.Equal("Frame 1 / 8", page.Find("#frame-label-0").TextContent.Trim());
        Assert.Equal(("true", "false"), (page.Find("#smooth-2-0").GetAttribute("aria-pressed"), page.Find("#smooth-1-0").GetAttribute("aria-pressed")));

        page.Find("#smooth-4-0").Click();

        Assert.Equal($"/api/jobs/{job.Id}/video?index=0&interpolate=4", page.Find("#video-0").GetAttribute("src"));
        Assert.Equal("28 fps (smoothed ×4 from 7)", page.Find("#fps-label-0").TextContent.Trim());

        page.Find("#smooth-1-0").Click();

        Assert.Equal($"/api/jobs/{job.Id}/video?index=0", page.Find("#video-0").GetAttribute("src"));
        Assert.Equal("7 fps (original)", page.Find("#fps-label-0").TextContent.Trim());
    }
}
