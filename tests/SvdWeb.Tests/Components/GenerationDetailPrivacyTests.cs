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
public sealed class GenerationDetailPrivacyTests : RealServicesContext
{
    private bool _providers;

    private IRenderedComponent<GenerationDetail> RenderDetail(Guid id, string userId)
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)], "Test"));
        if (!_providers)
        {
            Render<MudPopoverProvider>();
            Render<MudSnackbarProvider>();
            _providers = true;
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<GenerationDetail>(d => d.Add(c => c.Id, id)));
        return host.FindComponent<GenerationDetail>();
    }

    [Fact]
    public async Task PrivateSwitch_OwnerTurnsOn_StoredAndHiddenFromOthers()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var generations = Services.GetRequiredService<GenerationService>();
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
}
