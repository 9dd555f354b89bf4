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
using SvdWeb.Storage;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The detail page's Regenerate and Retry on the real generation service when the action is refused: the reason is
/// shown, the page keeps working, and the advice on a failed item names the action that works.
/// </summary>
public sealed class JobDetailActionsTests : RealServicesContext
{
    private IRenderedComponent<MudSnackbarProvider>? _snackbars;

    private IRenderedComponent<MudSnackbarProvider> Snackbars => _snackbars ?? throw new InvalidOperationException("Render the page first.");

    private JobService Jobs => Services.GetRequiredService<JobService>();

    private IRenderedComponent<JobDetail> RenderDetail(Guid id)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "owner-1"), new Claim(ClaimTypes.Name, "owner")], "Test"));
        if (_snackbars is null)
        {
            Render<MudPopoverProvider>();
            _snackbars = Render<MudSnackbarProvider>();
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<JobDetail>(d => d.Add(c => c.Id, id)));
        return host.FindComponent<JobDetail>();
    }

    private async Task<Job> SubmitAsync(CancellationToken ct)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return await Jobs.SubmitAsync(image, "owner.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 },
            new JobOwner("owner-1", "owner"), ct);
    }

    private async Task EndAsync(Guid id, JobStatus status, string error, CancellationToken ct, string? modelHash = null)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var row = await db.Jobs.SingleAsync(g => g.Id == id, ct);
        row.Status = status;
        row.Error = error;
        row.FinishedUtc = DateTime.UtcNow;
        await db.SaveChangesAsync(ct);
        if (modelHash is not null) await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set.SetProperty(g => g.ModelHash, modelHash), ct);
    }

    [Fact]
    public async Task Render_FailedItem_RegenerateAndRetryExplainTheirDifferenceOnHover()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(ct);
        await EndAsync(job.Id, JobStatus.Failed, "boom", ct);
        var page = RenderDetail(job.Id);

        Assert.Contains("new item", page.WaitForElement("#regenerate").GetAttribute("title"), StringComparison.Ordinal);
        Assert.Contains("this item again", page.Find("#retry").GetAttribute("title"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regenerate_InputFileGone_RefusalShownPageKeepsWorking()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(ct);
        await EndAsync(job.Id, JobStatus.Failed, "boom", ct);
        File.Delete(Services.GetRequiredService<MediaStore>().PathOf(job.MediaFolder, job.InputFile));
        var page = RenderDetail(job.Id);

        await page.WaitForElement("#regenerate").ClickAsync(new());

        Snackbars.WaitForAssertion(() => Assert.Contains("does not exist", Snackbars.Markup, StringComparison.Ordinal));
        page.WaitForAssertion(() => Assert.False(page.Find("#regenerate").HasAttribute("disabled")));
        // Still interactive: a second click is handled (and refused the same way) instead of hitting a dead renderer.
        await page.Find("#regenerate").ClickAsync(new());
        page.WaitForAssertion(() => Assert.False(page.Find("#regenerate").HasAttribute("disabled")));
        // Nothing was queued, so the page did not move to a new item.
        Assert.DoesNotContain("/gallery/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_PackChangedSinceQueued_RefusedAdvisingRegenerate()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(ct);
        await EndAsync(job.Id, JobStatus.Failed, "the pack changed on disk after this job was queued. Regenerate the item to run it on the current pack.", ct,
            modelHash: new string('0', 64));
        var page = RenderDetail(job.Id);

        await page.WaitForElement("#retry").ClickAsync(new());

        Snackbars.WaitForAssertion(() => Assert.Contains("Regenerate it instead", Snackbars.Markup, StringComparison.Ordinal));
        Assert.Equal(JobStatus.Failed, (await Jobs.FindAsync(job.Id, ct))!.Status);
        // The item's advice agrees: Regenerate, not "Retry runs it again".
        Assert.DoesNotContain("Retry runs it again", page.Find("#detail-error").TextContent, StringComparison.Ordinal);

        await page.Find("#regenerate").ClickAsync(new());

        var navigation = Services.GetRequiredService<NavigationManager>();
        page.WaitForAssertion(() => Assert.Matches("/gallery/[0-9a-f-]{36}$", navigation.Uri));
        Assert.DoesNotContain(job.Id.ToString(), navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_Message_SaysItsAdviceOnce()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var job = await SubmitAsync(ct);
        await EndAsync(job.Id, JobStatus.Interrupted, JobRunner.InterruptedMessage, ct);

        var page = RenderDetail(job.Id);

        var text = page.WaitForElement("#detail-error").TextContent;
        Assert.Equal(1, CountOf(text, "Its settings are kept"));
        Assert.Contains(JobRunner.InterruptedMessage, text, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
