using System.Globalization;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using SvdWeb.Accounts;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Devices;
using SvdWeb.Packs;

namespace SvdWeb.Components.Pages;

/// <summary>
/// Every pack in the models folder with its validation, precision, size, parameters, defaults and license. Admins
/// accept licenses (a pack that ships one is unusable until then), set the default pack and rescan the folder; everyone
/// else reads. The list follows the folder: the catalog's Changed event (watcher, rescan, admin actions) re-lists it.
/// </summary>
public sealed partial class Models : IDisposable
{
    private IReadOnlyList<PackEntry> _packs = [];
    private ClaimsPrincipal _user = new();
    private bool _isAdmin;
    private string? _message;

    [Inject] private PackCatalog Catalog { get; set; } = default!;

    [Inject] private PipelineCache Pipelines { get; set; } = default!;

    [Inject] private GpuMemoryGuard Memory { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    /// <summary>The signed-in user; without one (no cascade) the page is read-only.</summary>
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            _user = (await AuthenticationState).User;
            _isAdmin = _user.IsAdmin();
        }
        _packs = Catalog.List();
        Catalog.Changed += OnCatalogChanged;
    }

    private void OnCatalogChanged() => _ = InvokeAsync(() =>
    {
        _packs = Catalog.List();
        StateHasChanged();
    });

    private void Rescan()
    {
        var changes = Catalog.Rescan();
        _packs = Catalog.List();
        _message = changes.Any
            ? $"Rescanned. Added: {Names(changes.Added)}; removed: {Names(changes.Removed)}; changed: {Names(changes.Changed)}."
            : "Rescanned: no pack was added, removed or changed.";
    }

    private async Task AcceptAsync(ModelPack pack)
    {
        if (!_isAdmin || pack.License is not { } license) return;
        // Accepting binds the lab to the license's terms for everyone on the server: the admin reads it and says yes.
        var text = new MarkupString(
            $"<p>Everyone on this server can use {WebUtility.HtmlEncode(pack.Name)} once you accept. Your name, the time and the " +
            $"license's SHA-256 are recorded; a changed license file asks again.</p>" +
            $"<pre data-field=\"license-confirm-text\" style=\"white-space: pre-wrap; max-height: 50vh; overflow: auto;\">{WebUtility.HtmlEncode(license.Text)}</pre>");
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Accept {license.FileName} of {pack.Name}?", text,
            yesText: "Accept", cancelText: "Cancel", options: new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true });
        if (confirmed != true) return;
        // The pack hash is recorded when already known; accepting never waits for gigabytes to be hashed.
        var hashing = Catalog.GetHashAsync(pack, CancellationToken.None);
        var hash = hashing.IsCompletedSuccessfully ? await hashing : null;
        await Catalog.Administration.AcceptLicenseAsync(pack, _user, hash, CancellationToken.None);
        _packs = Catalog.List();
        _message = $"License of {pack.Name} accepted: everyone can use the pack now.";
    }

    private async Task SetDefaultAsync(ModelPack pack)
    {
        if (!_isAdmin) return;
        await Catalog.Administration.SetDefaultPackAsync(pack, _user, CancellationToken.None);
        _packs = Catalog.List();
        _message = $"{pack.Name} is now the default pack.";
    }

    private string DefaultsEstimate(ModelPack pack)
    {
        var recipe = new MemoryRecipe(pack.DefaultFrames, pack.DefaultHeight, pack.DefaultWidth, pack.DefaultFrames, 1, Guidance: true);
        var estimate = Memory.Estimate(pack, recipe);
        return $"about {GpuMemoryEstimate.Gib(estimate.TotalBytes)} GiB ({pack.DefaultFrames} frames decoded at once; less with a smaller decode chunk)";
    }

    /// <summary>Whether a worker device of this server runs on the CPU provider (the device probe records each at startup).</summary>
    private bool ServesOnCpu => Pipelines.Providers.Values.Any(p => !p.IsCuda);

    private string? LoadedOn(ModelPack pack) => Pipelines.LoadedProvider(pack)?.ToString();

    private static string Names(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    public void Dispose() => Catalog.Changed -= OnCatalogChanged;
}
