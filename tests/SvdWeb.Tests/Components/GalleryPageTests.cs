using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Accounts;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;
using GalleryPage = SvdWeb.Components.Pages.Gallery;

namespace SvdWeb.Tests.Components;

/// <summary>The gallery on the real services: live updates, filters by file name, seed and owner, and deleting a selection.</summary>
public sealed class GalleryPageTests : RealServicesContext
{
    private static readonly JobOwner Owner = new("owner-1", "owner");
    private static readonly JobOwner Other = new("other-2", "other");

    private IRenderedComponent<MudDialogProvider>? _dialogs;

    private JobService Jobs => Services.GetRequiredService<JobService>();

    private IRenderedComponent<GalleryPage> RenderGallery(string query = "")
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/gallery{query}");
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, Owner.Id), new Claim(ClaimTypes.Name, Owner.Name)], "Test"));
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<GalleryPage>());
        return host.FindComponent<GalleryPage>();
    }

    private async Task<Job> SubmitAsync(string fileName, long seed, JobOwner owner)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return await Jobs.SubmitAsync(image, fileName, new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = seed }, owner, CancellationToken.None);
    }

    private static string[] Shown(IRenderedComponent<GalleryPage> page) =>
        [.. page.FindAll(".gallery-card").Select(card => card.GetAttribute("data-id")!)];

    [Fact]
    public async Task QueuedAndDeletedElsewhere_ShowWithoutAReload()
    {
        var page = RenderGallery();
        page.WaitForElement("#gallery-empty");

        var job = await SubmitAsync("cat.png", 1, Owner);

        page.WaitForAssertion(() => Assert.Equal([job.Id.ToString()], Shown(page)));
        Assert.True(await Jobs.DeleteAsync(job.Id, CancellationToken.None));
        page.WaitForElement("#gallery-empty");
    }

    [Fact]
    public async Task FilterByName_AnyCase_ShowsOnlyMatches()
    {
        var cat = await SubmitAsync("Cat on a wall.png", 7, Owner);
        await SubmitAsync("dog.png", 7, Owner);
        var blackCat = await SubmitAsync("black cat.png", 8, Owner);

        var page = RenderGallery("?name=CAT");

        Assert.Equal(new[] { cat.Id, blackCat.Id }.Select(i => i.ToString()).Order(), Shown(page).Order());
    }

    [Fact]
    public async Task FilterBySeed_ShowsOnlyThatSeed_NotANumberSaysSo()
    {
        var cat = await SubmitAsync("cat.png", 7, Owner);
        var dog = await SubmitAsync("dog.png", 7, Owner);
        await SubmitAsync("cow.png", 8, Owner);

        var page = RenderGallery("?seed=7");

        Assert.Equal(new[] { cat.Id, dog.Id }.Select(i => i.ToString()).Order(), Shown(page).Order());
        page.Find("#filter-seed").Change("seven");
        page.WaitForAssertion(() => Assert.Contains("is not a seed", page.Markup, StringComparison.Ordinal));
        Assert.Equal(2, Shown(page).Length);
    }

    [Fact]
    public async Task MineOnly_WithAccounts_HidesOthersItems()
    {
        Services.GetRequiredService<AccountsState>().AccountCreated();
        var mine = await SubmitAsync("mine.png", 1, Owner);
        await SubmitAsync("theirs.png", 2, Other);

        var page = RenderGallery("?mine=true");

        Assert.Equal([mine.Id.ToString()], Shown(page));
        Assert.NotEmpty(page.FindAll("#filter-mine"));
    }

    [Fact]
    public async Task NewJobArrives_EachCardStaysWithItsJob()
    {
        // The browser sends a click or a tick to the component that drew the card under the pointer. A job queued
        // elsewhere goes first and shifts every card: a card reused by position would now be another job's, and the
        // click meant for the old job (select, then Delete selected) would act on the one shifted into its place.
        var older = await SubmitAsync("older.png", 1, Owner);
        var page = RenderGallery();
        page.WaitForAssertion(() => Assert.Equal([older.Id.ToString()], Shown(page)));
        var card = page.FindComponents<SvdWeb.Components.Shared.GalleryCard>().Single().Instance;

        var newer = await SubmitAsync("newer.png", 2, Owner);
        page.WaitForAssertion(() => Assert.Equal([newer.Id.ToString(), older.Id.ToString()], Shown(page)));

        Assert.Equal(older.Id, card.Item.Id);
        Assert.Contains(page.FindComponents<SvdWeb.Components.Shared.GalleryCard>(), c => ReferenceEquals(c.Instance, card));
    }

    [Fact]
    public async Task DeleteSelected_DeletesOwnItemsAfterConfirming_OthersHaveNoCheckbox()
    {
        var first = await SubmitAsync("one.png", 1, Owner);
        var second = await SubmitAsync("two.png", 2, Owner);
        var theirs = await SubmitAsync("theirs.png", 3, Other);
        var page = RenderGallery();

        Assert.Empty(page.FindAll($"[data-select='{theirs.Id}']"));
        foreach (var id in new[] { first.Id, second.Id })
        {
            var box = page.Find($"[data-select='{id}']");
            (box.TagName == "INPUT" ? box : box.QuerySelector("input")!).Change(true);
        }
        page.Find("#delete-selected").Click();
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Delete 2 job(s)?", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        page.WaitForAssertion(() => Assert.Equal([theirs.Id.ToString()], Shown(page)));
        Assert.Null(await Jobs.FindAsync(first.Id, CancellationToken.None));
        Assert.Null(await Jobs.FindAsync(second.Id, CancellationToken.None));
        Assert.NotNull(await Jobs.FindAsync(theirs.Id, CancellationToken.None));
    }
}
