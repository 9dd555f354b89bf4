using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The detail page's Private switch and what others see, on the real generation service (no worker runs).</summary>
public sealed class JobDetailPrivacyTests : RealServicesContext
{
    private bool _providers;

    private IRenderedComponent<JobDetail> RenderDetail(Guid id, string userId, bool admin = false)
    {
        Claim[] claims = [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)];
        var user = new ClaimsPrincipal(new ClaimsIdentity(admin ? [.. claims, new Claim(ClaimTypes.Role, SvdWeb.Accounts.Roles.Admin)] : claims, "Test"));
        if (!_providers)
        {
            Render<MudPopoverProvider>();
            Render<MudSnackbarProvider>();
            _providers = true;
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<JobDetail>(d => d.Add(c => c.Id, id)));
        return host.FindComponent<JobDetail>();
    }

    [Fact]
    public async Task PrivateSwitch_OwnerTurnsOn_StoredAndHiddenFromOthers()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var generations = Services.GetRequiredService<JobService>();
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await generations.SubmitAsync(image, "owner.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 },
            new JobOwner("owner-1", "owner"), ct);
        var page = RenderDetail(job.Id, "owner-1");

        var toggle = page.WaitForElement("#private-toggle");
        (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).Change(true);

        page.WaitForAssertion(() => Assert.True(generations.FindAsync(job.Id, ct).GetAwaiter().GetResult()!.IsPrivate));
        var other = RenderDetail(job.Id, "someone-else");
        other.WaitForElement("#detail-missing");
        Assert.Empty(other.FindAll("#private-toggle"));
    }

    [Fact]
    public async Task MadePrivateWhileOpen_OtherUsersPageDropsItAndItsProgressOwnersKeepsIt()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var generations = Services.GetRequiredService<JobService>();
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await generations.SubmitAsync(image, "a.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 },
            new JobOwner("alice-id", "alice"), ct);
        var bob = RenderDetail(job.Id, "bob-id");
        bob.WaitForElement("#progress-panel");
        var alice = RenderDetail(job.Id, "alice-id");
        alice.WaitForElement("#progress-panel");

        await generations.SetPrivateAsync(job.Id, isPrivate: true, ct);

        bob.WaitForElement("#detail-missing");
        Assert.Empty(bob.FindAll("#progress-panel"));
        Assert.NotEmpty(alice.FindAll("#progress-panel"));
    }

    [Fact]
    public async Task Controls_OtherUser_NoneOwnerAndAdminSeeThem()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var generations = Services.GetRequiredService<JobService>();
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await generations.SubmitAsync(image, "a.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 },
            new JobOwner("alice-id", "alice"), ct);

        // Waiting: Cancel (in the progress panel) and Private are the owner's and the admins'.
        var bobWaiting = RenderDetail(job.Id, "bob-id");
        bobWaiting.WaitForElement("#progress-panel");
        var adminWaiting = RenderDetail(job.Id, "root-id", admin: true);
        adminWaiting.WaitForElement("#progress-panel");
        var ownerWaiting = RenderDetail(job.Id, "alice-id");
        ownerWaiting.WaitForElement("#progress-panel");
        Assert.Empty(bobWaiting.FindAll("#cancel-job"));
        Assert.Empty(bobWaiting.FindAll("#private-toggle"));
        Assert.NotEmpty(bobWaiting.FindAll("#regenerate")); // anyone may make their own copy
        Assert.NotEmpty(adminWaiting.FindAll("#cancel-job"));
        Assert.NotEmpty(adminWaiting.FindAll("#private-toggle"));
        Assert.NotEmpty(ownerWaiting.FindAll("#cancel-job"));

        // Ended: Retry and Delete likewise.
        Assert.True(await generations.CancelAsync(job.Id, ct));
        var bobEnded = RenderDetail(job.Id, "bob-id");
        bobEnded.WaitForElement("#detail-error");
        var adminEnded = RenderDetail(job.Id, "root-id", admin: true);
        adminEnded.WaitForElement("#detail-error");
        Assert.Empty(bobEnded.FindAll("#delete"));
        Assert.Empty(bobEnded.FindAll("#retry"));
        Assert.Empty(bobEnded.FindAll("#private-toggle"));
        Assert.NotEmpty(adminEnded.FindAll("#delete"));
        Assert.NotEmpty(adminEnded.FindAll("#retry"));
        Assert.NotEmpty(adminEnded.FindAll("#private-toggle"));
    }
}
