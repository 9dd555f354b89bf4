using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Accounts;
using SvdWeb.Components.Pages;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The queue page's per-viewer buttons (cancel, admin moves) on the real queue and SQLite file (no worker runs,
/// so jobs stay queued).</summary>
public sealed class QueuePageTests : RealServicesContext
{
    private static readonly JobOwner Alice = new("alice-id", "alice");
    private static readonly JobOwner Bob = new("bob-id", "bob");
    private bool _providers;
    private IRenderedComponent<MudDialogProvider>? _dialogs;
    private IRenderedComponent<MudSnackbarProvider>? _snackbars;

    private IRenderedComponent<Queue> RenderPage(string userId, bool admin)
    {
        Claim[] claims = admin
            ? [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId), new Claim(ClaimTypes.Role, Roles.Admin)]
            : [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)];
        if (!_providers)
        {
            Render<MudPopoverProvider>();
            _dialogs = Render<MudDialogProvider>();
            _snackbars = Render<MudSnackbarProvider>();
            _providers = true;
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity(claims, "Test")))))
            .AddChildContent<Queue>());
        return host.FindComponent<Queue>();
    }

    private async Task<Guid> SubmitAsync(JobOwner owner)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await Services.GetRequiredService<JobService>().SubmitAsync(image, $"{owner.Name}.png",
            new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 }, owner, Xunit.TestContext.Current.CancellationToken)).Id;
    }

    /// <summary>The job ids in the table's row order, read from each row's gallery link.</summary>
    /// <summary>The order workers will claim the waiting jobs in, read from the rows as a claim reads it.</summary>
    private async Task<IReadOnlyList<Guid>> PlannedOrderAsync()
    {
        await using var db = await Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<SvdWeb.Gallery.GalleryDbContext>>().CreateDbContextAsync(Xunit.TestContext.Current.CancellationToken);
        return (await QueuePlan.LoadAsync(db, Xunit.TestContext.Current.CancellationToken)).PlannedOrder();
    }

    private static List<string> RowIds(IRenderedComponent<Queue> page) =>
        page.FindAll("#queue-table tbody tr").Select(row => row.QuerySelector("a")!.GetAttribute("href")!.Replace("/gallery/", "", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Render_ADraftAndAPlainJob_OnlyTheDraftsRowSaysDraft()
    {
        var plain = await SubmitAsync(Alice);
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var draft = (await Services.GetRequiredService<JobService>().SubmitAsync(image, "draft.png",
            new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 20, Seed = 1 }, Alice, Xunit.TestContext.Current.CancellationToken, draft: true)).Id;

        var page = RenderPage("alice-id", admin: false);

        page.WaitForElement("#queue-table");
        var rows = page.FindAll("#queue-table tbody tr");
        string? ChipOf(Guid id) => rows.Single(r => r.QuerySelector("a")!.GetAttribute("href") == $"/gallery/{id}").QuerySelector(".draft-chip")?.TextContent.Trim();
        Assert.Equal("Draft", ChipOf(draft));
        Assert.Null(ChipOf(plain));
    }

    [Fact]
    public async Task MoveButtons_AdminAndUser_OnlyAdminSeesThem()
    {
        await SubmitAsync(Alice);
        await SubmitAsync(Bob);

        var admin = RenderPage("root-id", admin: true);
        var user = RenderPage("alice-id", admin: false);

        admin.WaitForElement("#queue-table");
        user.WaitForElement("#queue-table");
        Assert.Equal(2, admin.FindAll("button.queue-front").Count);
        Assert.Equal(2, admin.FindAll("button.queue-up").Count);
        Assert.Equal(2, admin.FindAll("button.queue-down").Count);
        Assert.Empty(user.FindAll("button.queue-front, button.queue-up, button.queue-down"));
        // A user cancels only their own job.
        var cancel = Assert.Single(user.FindAll("button[aria-label='cancel job']"));
        Assert.Contains("alice.png", cancel.Closest("tr")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MoveButtons_AdminClicksFrontThenDown_RowsAndQueueReordered()
    {
        var alicesFirst = await SubmitAsync(Alice);
        var bobsFirst = await SubmitAsync(Bob);
        var alicesSecond = await SubmitAsync(Alice);
        var bobsSecond = await SubmitAsync(Bob);
        var page = RenderPage("root-id", admin: true);
        page.WaitForAssertion(() => Assert.Equal([$"{alicesFirst}", $"{bobsFirst}", $"{alicesSecond}", $"{bobsSecond}"], RowIds(page)));
        // Up/down swap within one owner's jobs: Bob's first has nobody of his above it.
        Assert.True(Row(page, 1).QuerySelector("button.queue-up")!.HasAttribute("disabled"));
        Assert.False(Row(page, 1).QuerySelector("button.queue-down")!.HasAttribute("disabled"));

        Row(page, 2).QuerySelector("button.queue-front")!.Click();

        // Alice's second job runs next and is her turn, so Bob's first comes before her first.
        page.WaitForAssertion(() => Assert.Equal([$"{alicesSecond}", $"{bobsFirst}", $"{alicesFirst}", $"{bobsSecond}"], RowIds(page)));
        Assert.Equal([alicesSecond, bobsFirst, alicesFirst, bobsSecond], await PlannedOrderAsync());
        Assert.NotEmpty(Row(page, 0).QuerySelectorAll(".queue-pinned"));
        Assert.True(Row(page, 0).QuerySelector("button.queue-front")!.HasAttribute("disabled"));

        Row(page, 1).QuerySelector("button.queue-down")!.Click();

        // Bob's two jobs swap; his turn (second place) and Alice's stay where they were.
        page.WaitForAssertion(() => Assert.Equal([$"{alicesSecond}", $"{bobsSecond}", $"{alicesFirst}", $"{bobsFirst}"], RowIds(page)));
        Assert.Equal([alicesSecond, bobsSecond, alicesFirst, bobsFirst], await PlannedOrderAsync());
        Assert.Empty(page.FindAll("#queue-refusal"));
    }

    [Fact]
    public async Task UnpinButton_OnlyOnPinnedRowsForAdmin_ClickPutsJobBackInOwnersLine()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var alicesFirst = await SubmitAsync(Alice);
        var bobsFirst = await SubmitAsync(Bob);
        var alicesSecond = await SubmitAsync(Alice);
        var bobsSecond = await SubmitAsync(Bob);
        var generations = Services.GetRequiredService<JobService>();
        Assert.Null(await generations.MoveAsync(alicesSecond, QueueMove.Front, ct));

        var user = RenderPage("alice-id", admin: false);
        var page = RenderPage("root-id", admin: true);

        user.WaitForElement("#queue-table");
        Assert.Empty(user.FindAll("button.queue-unpin"));
        page.WaitForAssertion(() => Assert.Equal([$"{alicesSecond}", $"{bobsFirst}", $"{alicesFirst}", $"{bobsSecond}"], RowIds(page)));
        var unpin = Assert.Single(page.FindAll("button.queue-unpin"));
        Assert.Equal("unpin", unpin.GetAttribute("aria-label"));
        Assert.Same(Row(page, 0), unpin.Closest("tr"));

        unpin.Click();

        // Back between Alice's first job and Bob's second: the order before the pin.
        page.WaitForAssertion(() => Assert.Equal([$"{alicesFirst}", $"{bobsFirst}", $"{alicesSecond}", $"{bobsSecond}"], RowIds(page)));
        Assert.Equal([alicesFirst, bobsFirst, alicesSecond, bobsSecond], await PlannedOrderAsync());
        Assert.Empty(page.FindAll("button.queue-unpin"));
        Assert.Empty(page.FindAll(".queue-pinned"));
        Assert.Empty(page.FindAll("#queue-refusal"));
        Assert.Null((await generations.FindAsync(alicesSecond, ct))!.PinRank);
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<Queue> page, int index) => page.FindAll("#queue-table tbody tr")[index];

    [Fact]
    public async Task CancelButtons_OnlyOnRowsTheViewerMayChange()
    {
        await SubmitAsync(Alice);
        await SubmitAsync(Bob);

        var bob = RenderPage("bob-id", admin: false);
        bob.WaitForElement("#queue-table");
        var admin = RenderPage("root-id", admin: true);
        admin.WaitForElement("#queue-table");

        const string CancelButton = "button[aria-label='cancel job']";
        var bobsButton = Assert.Single(bob.FindAll(CancelButton));
        Assert.Contains("bob.png", bobsButton.Closest("tr")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(2, admin.FindAll(CancelButton).Count);
    }

    [Fact]
    public async Task ImageCell_VisibleJobs_ThumbnailFromTheInputEndpoint_PrivateOnesNone()
    {
        var alices = await SubmitAsync(Alice);
        var bobs = await SubmitAsync(Bob);
        await Services.GetRequiredService<JobService>().SetPrivateAsync(bobs, true, Xunit.TestContext.Current.CancellationToken);

        var alice = RenderPage("alice-id", admin: false);

        alice.WaitForAssertion(() => Assert.Equal(2, alice.FindAll("#queue-table tbody tr").Count));
        var thumb = Assert.Single(alice.FindAll("img.queue-thumb"));
        // The media endpoint that checks visibility again on every request (JobsApi.PictureAsync).
        Assert.Equal($"/api/jobs/{alices}/input.png", thumb.GetAttribute("src"));
        Assert.Contains("alice.png", thumb.Closest("tr")!.TextContent, StringComparison.Ordinal);
        Assert.Single(alice.FindAll(".queue-private"));
        // When each was queued, for the browser to show in its own zone (LocalTime), private ones included.
        Assert.Equal(2, alice.FindAll("#queue-table tbody tr .queue-queued time[datetime$='Z']").Count);
        Assert.DoesNotContain($"{bobs}", alice.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RowButtons_AllInOneNoWrapContainer()
    {
        await SubmitAsync(Alice);
        await SubmitAsync(Alice);

        var admin = RenderPage("root-id", admin: true);

        admin.WaitForAssertion(() => Assert.Equal(2, admin.FindAll("#queue-table tbody tr").Count));
        foreach (var row in admin.FindAll("#queue-table tbody tr"))
        {
            // Every button of the row sits in the one container whose CSS (app.css .queue-buttons) forbids wrapping;
            // the browser test measures that they really stay on one line.
            var buttons = row.QuerySelectorAll("button");
            Assert.Equal(4, buttons.Length);
            Assert.All(buttons, b => Assert.True(b.ParentElement!.ClassList.Contains("queue-buttons"), b.OuterHtml));
        }
        var css = await File.ReadAllTextAsync(Path.Combine(Fixtures.RepoRoot, "wwwroot", "css", "app.css"), Xunit.TestContext.Current.CancellationToken);
        Assert.Matches(@"\.queue-buttons \{[^}]*flex-wrap: nowrap", css);
    }

    [Fact]
    public async Task Cancel_ButtonFoundBeforeARefresh_StillAsks()
    {
        // The browser clicks what it last drew; by the time the click reaches the server a progress refresh may have
        // re-rendered the table. The row (and its button's handler) must survive that, or the click is dropped.
        await SubmitAsync(Bob);
        var page = RenderPage("bob-id", admin: false);
        page.WaitForElement("#queue-table");
        var cancel = page.Find("button[aria-label='cancel job']");
        var button = page.FindComponents<MudIconButton>().Single(b => b.Instance.UserAttributes.TryGetValue("aria-label", out var label) && Equals(label, "cancel job"));

        await SubmitAsync(Alice);
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("#queue-table tbody tr").Count));

        Assert.Contains(page.FindComponents<MudIconButton>(), b => ReferenceEquals(b.Instance, button.Instance));
        cancel.Click();
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel bob.png?", dialogs.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_ClickThenKeep_JobStaysQueued()
    {
        var bobs = await SubmitAsync(Bob);
        var page = RenderPage("bob-id", admin: false);
        page.WaitForElement("#queue-table");

        page.Find("button[aria-label='cancel job']").Click();

        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel bob.png?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("leaves the queue without running", dialogs.Markup, StringComparison.Ordinal);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Cancel bob.png?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Equal(SvdWeb.Gallery.JobStatus.Queued, (await Services.GetRequiredService<JobService>().FindAsync(bobs, Xunit.TestContext.Current.CancellationToken))!.Status);
        Assert.Single(page.FindAll("#queue-table tbody tr"));
        Assert.DoesNotContain("Cancelled", _snackbars!.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_ClickAndConfirm_JobCancelledAndSnackbarSaysSo()
    {
        var bobs = await SubmitAsync(Bob);
        var page = RenderPage("bob-id", admin: false);
        page.WaitForElement("#queue-table");

        page.Find("button[aria-label='cancel job']").Click();
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel bob.png?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel job").Click();

        var snackbars = _snackbars!;
        snackbars.WaitForAssertion(() => Assert.Contains("Cancelled bob.png.", snackbars.Markup, StringComparison.Ordinal));
        page.WaitForElement("#queue-empty");
        Assert.Equal(SvdWeb.Gallery.JobStatus.Cancelled, (await Services.GetRequiredService<JobService>().FindAsync(bobs, Xunit.TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task Cancel_JobEndedWhileTheDialogWasOpen_SnackbarSaysNothingWasCancelled()
    {
        var bobs = await SubmitAsync(Bob);
        var page = RenderPage("bob-id", admin: false);
        page.WaitForElement("#queue-table");

        page.Find("button[aria-label='cancel job']").Click();
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Cancel bob.png?", dialogs.Markup, StringComparison.Ordinal));
        // Another tab (or the API) cancels it first; this confirmation then has nothing left to cancel.
        Assert.True(await Services.GetRequiredService<JobService>().CancelAsync(bobs, Xunit.TestContext.Current.CancellationToken));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel job").Click();

        var snackbars = _snackbars!;
        snackbars.WaitForAssertion(() => Assert.Contains("bob.png was not cancelled: it has already ended.", snackbars.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("Cancelled bob.png", snackbars.Markup, StringComparison.Ordinal);
    }
}
