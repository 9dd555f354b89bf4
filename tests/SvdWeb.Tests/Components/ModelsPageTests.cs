using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Extensions;
using SvdWeb.Accounts;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Packs;
using SvdWeb.TestSupport;
using SvdWeb.Tests.Packs;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The Models page on the real catalog, SQLite file and generation service, over a models folder of its own holding the
/// tiny pack and "tiny-licensed", a copy with a LICENSE.md.
/// </summary>
public sealed class ModelsPageTests : RealServicesContext
{
    private const string Licensed = "tiny-licensed";
    private readonly TempModelsFolder _models;
    private IRenderedComponent<MudPopoverProvider>? _popovers;
    private IRenderedComponent<MudDialogProvider>? _dialogs;

    public ModelsPageTests()
        : this(new TempModelsFolder())
    {
    }

    private ModelsPageTests(TempModelsFolder models)
        : base(models.Folder)
    {
        _models = models;
        _models.AddTinyCopy(Licensed, TempModelsFolder.CommunityLicense);
    }

    private static ClaimsPrincipal User(string id, string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, id), new Claim(ClaimTypes.Role, role)], "Test"));

    private IRenderedComponent<TPage> RenderAs<TPage>(ClaimsPrincipal user)
        where TPage : IComponent
    {
        _popovers ??= Render<MudPopoverProvider>();
        _dialogs ??= Render<MudDialogProvider>();
        var host = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, Task.FromResult(new AuthenticationState(user)))
            .AddChildContent<TPage>());
        return host.FindComponent<TPage>();
    }

    private static IRenderedComponent<MudSelect<string>> ModelSelect(IRenderedComponent<Create> page) =>
        page.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "Model pack");

    private static string Card(string pack) => $"[data-pack='{pack}']";

    private Task<Job> SubmitAsync(string pack)
    {
        var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return Services.GetRequiredService<JobService>().SubmitAsync(image, "logo.png",
            new SvdRecipe { Model = pack, NumFrames = 2, NumInferenceSteps = 1, Seed = 1 }, new JobOwner("alice", "alice"), Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Render_Admin_SeesAcceptSetDefaultAndRescan()
    {
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("admin-1", Roles.Admin));

        page.WaitForElement(Card(Licensed));
        Assert.Single(page.FindAll("#rescan"));
        Assert.Single(page.FindAll($"{Card(Licensed)} [data-action='accept']"));
        Assert.Single(page.FindAll($"{Card(Licensed)} [data-action='set-default']"));
        // The tiny pack ships no license: nothing to accept, and it is already the default.
        Assert.Empty(page.FindAll($"{Card("tiny-svd")} [data-action='accept']"));
        Assert.Contains("license not accepted", page.Find(Card(Licensed)).TextContent, StringComparison.Ordinal);
        Assert.Contains("STABILITY AI COMMUNITY LICENSE AGREEMENT", page.Find($"{Card(Licensed)} [data-field='license-text']").TextContent, StringComparison.Ordinal);
        Assert.Equal("https://stability.ai/community-license-agreement", page.Find($"{Card(Licensed)} [data-field='license-link']").GetAttribute("href"));
        Assert.Contains("none (the pack ships no license file)", page.Find($"{Card("tiny-svd")} [data-field='license']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnfusedPack_ShowsItsAttentionAndTheReExportWarning()
    {
        _models.AddTinyCopy("tiny-unfused");
        Fixtures.UseUnfusedGraphs(_models.PackFolder("tiny-unfused"));
        Services.GetRequiredService<PackCatalog>().Rescan();

        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("user-1", Roles.User));

        page.WaitForElement(Card("tiny-unfused"));
        Assert.Contains("UNet 24 materialised", page.Find($"{Card("tiny-unfused")} [data-field='attention']").TextContent, StringComparison.Ordinal);
        Assert.Contains("--attention fused", page.Find($"{Card("tiny-unfused")} [data-field='attention-warning']").TextContent, StringComparison.Ordinal);
        Assert.Contains("UNet 24 fused", page.Find($"{Card("tiny-svd")} [data-field='attention']").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll($"{Card("tiny-svd")} [data-field='attention-warning']"));
        // The fused attention is ONNX Runtime's com.microsoft operator, listed per graph; the unfused export has none.
        Assert.Equal("image encoder: MultiHeadAttention 2; UNet: MultiHeadAttention 24", page.Find($"{Card("tiny-svd")} [data-field='fused-operators']").TextContent);
        Assert.Equal("none", page.Find($"{Card("tiny-unfused")} [data-field='fused-operators']").TextContent);
    }

    [Fact]
    public void Render_User_ReadOnly()
    {
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("user-1", Roles.User));

        page.WaitForElement(Card(Licensed));
        Assert.Single(page.FindAll("#models-read-only"));
        Assert.Empty(page.FindAll("#rescan"));
        Assert.Empty(page.FindAll("[data-action]"));
        Assert.Contains("license not accepted", page.Find(Card(Licensed)).TextContent, StringComparison.Ordinal);
        // No server paths for non-admins: the models folder is named, not shown.
        Assert.DoesNotContain(_models.Folder, page.Markup, StringComparison.Ordinal);
        Assert.Contains("the server's models folder", page.Find("#models-intro").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Admin_ShowsTheModelsFolder()
    {
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("admin-1", Roles.Admin));

        page.WaitForElement(Card(Licensed));
        Assert.Contains(_models.Folder, page.Find("#models-intro").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accept_Admin_UnblocksThePack()
    {
        var refused = await Assert.ThrowsAsync<PackLicenseNotAcceptedException>(() => SubmitAsync(Licensed));
        Assert.Contains("An admin must accept the license on /models", refused.Message, StringComparison.Ordinal);
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("admin-1", Roles.Admin));

        page.Find($"{Card(Licensed)} [data-action='accept']").Click();
        // Asked first, with the license's own text.
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains($"Accept LICENSE.md of {Licensed}?", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains(TempModelsFolder.CommunityLicense.Split('\n')[0], dialogs.Find("[data-field='license-confirm-text']").TextContent, StringComparison.Ordinal);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Accept").Click();

        page.WaitForAssertion(() => Assert.Contains("license accepted", page.Find(Card(Licensed)).TextContent, StringComparison.Ordinal));
        Assert.Contains("accepted by admin-1", page.Find($"{Card(Licensed)} [data-field='license']").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll($"{Card(Licensed)} [data-action='accept']"));
        var job = await SubmitAsync(Licensed);
        Assert.Equal(Licensed, job.ModelName);
    }

    [Fact]
    public async Task Accept_AdminCancels_LicenseStaysUnaccepted()
    {
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("admin-1", Roles.Admin));

        page.Find($"{Card(Licensed)} [data-action='accept']").Click();
        var dialogs = _dialogs!;
        dialogs.WaitForAssertion(() => Assert.Contains("Accept LICENSE.md", dialogs.Markup, StringComparison.Ordinal));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Accept LICENSE.md", dialogs.Markup, StringComparison.Ordinal));
        Assert.Single(page.FindAll($"{Card(Licensed)} [data-action='accept']"));
        await Assert.ThrowsAsync<PackLicenseNotAcceptedException>(() => SubmitAsync(Licensed));
    }

    [Fact]
    public async Task SetDefault_Admin_CreatePagePreselectsIt()
    {
        var admin = User("admin-1", Roles.Admin);
        var catalog = Services.GetRequiredService<PackCatalog>();
        await catalog.Administration.AcceptLicenseAsync(catalog.Require(Licensed), admin, null, Xunit.TestContext.Current.CancellationToken);
        var page = RenderAs<SvdWeb.Components.Pages.Models>(admin);

        page.Find($"{Card(Licensed)} [data-action='set-default']").Click();

        page.WaitForAssertion(() => Assert.Equal(Licensed, catalog.DefaultPack));
        page.WaitForAssertion(() => Assert.Single(page.FindAll($"{Card(Licensed)} [data-state='default']")));
        var create = RenderAs<Create>(admin);
        Assert.Equal(Licensed, ModelSelect(create).Instance.GetState(x => x.Value));
    }

    [Fact]
    public async Task SetDefault_LicenseNotAccepted_RefusedByTheServerToo()
    {
        // The page disables the button; the service must refuse on its own, whoever calls it.
        var catalog = Services.GetRequiredService<PackCatalog>();

        var refused = await Assert.ThrowsAsync<PackLicenseNotAcceptedException>(() =>
            catalog.Administration.SetDefaultPackAsync(catalog.Require(Licensed), User("admin-1", Roles.Admin), Xunit.TestContext.Current.CancellationToken));

        Assert.Contains(Licensed, refused.Message, StringComparison.Ordinal);
        Assert.Equal("tiny-svd", catalog.DefaultPack);
    }

    [Fact]
    public void Rescan_PackCopiedIn_Appears()
    {
        var page = RenderAs<SvdWeb.Components.Pages.Models>(User("admin-1", Roles.Admin));
        page.WaitForElement(Card(Licensed));
        Services.GetRequiredService<PackCatalog>().Rescan();

        _models.AddTinyCopy("tiny-added");
        page.Find("#rescan").Click();

        page.WaitForElement(Card("tiny-added"));
        Assert.Contains("Added: tiny-added", page.Find("#models-message").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_LicensedPackNotAccepted_ListedAsSuch()
    {
        var page = RenderAs<Create>(User("user-1", Roles.User));

        // The default stays the tiny pack, usable with no click; the licensed copy is listed but cannot be chosen.
        var select = ModelSelect(page);
        Assert.Equal("tiny-svd", select.Instance.GetState(x => x.Value));
        await select.InvokeAsync(() => select.Instance.OpenMenu());
        // The open menu renders in the popover provider, not under the page.
        IRenderedComponent<MudSelectItem<string>>? licensed = null;
        var popovers = _popovers!;
        popovers.WaitForAssertion(() => licensed = Assert.Single(popovers.FindComponents<MudSelectItem<string>>(), i => i.Instance.Value == Licensed));
        Assert.True(licensed!.Instance.Disabled);
        Assert.Contains("license not accepted", licensed.Markup, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _models.Dispose();
    }
}
