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

/// <summary>The queue page's cancel buttons, per viewer, on the real queue (no worker runs, so jobs stay waiting).</summary>
public sealed class QueuePageTests : RealServicesContext
{
    private const string CancelButton = "button[aria-label='cancel job']";

    private bool _providers;

    private IRenderedComponent<Queue> RenderQueue(string userId, bool admin = false)
    {
        Claim[] claims = [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)];
        var user = new ClaimsPrincipal(new ClaimsIdentity(admin ? [.. claims, new Claim(ClaimTypes.Role, Roles.Admin)] : claims, "Test"));
        if (!_providers)
        {
            Render<MudPopoverProvider>();
            Render<MudSnackbarProvider>();
            _providers = true;
        }
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<Queue>());
        return host.FindComponent<Queue>();
    }

    [Fact]
    public async Task CancelButtons_OnlyOnRowsTheViewerMayChange()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var generations = Services.GetRequiredService<GenerationService>();
        var recipe = new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 };
        foreach (var owner in new[] { new JobOwner("alice-id", "alice"), new JobOwner("bob-id", "bob") })
        {
            await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
            await generations.SubmitAsync(image, $"{owner.Name}.png", recipe, owner, ct);
        }

        var bob = RenderQueue("bob-id");
        bob.WaitForElement("#queue-table");
        var admin = RenderQueue("root-id", admin: true);
        admin.WaitForElement("#queue-table");

        var bobsButton = Assert.Single(bob.FindAll(CancelButton));
        Assert.Contains("bob.png", bobsButton.Closest("tr")!.TextContent, StringComparison.Ordinal);
        Assert.Equal(2, admin.FindAll(CancelButton).Count);
    }
}
