using Microsoft.AspNetCore.Components;
using SvdWeb.Inference;
using SvdWeb.Inference.Sweeps;

namespace SvdWeb.Components.Pages;

/// <summary>
/// The Create page's sweep (README, "Sweeps"): one or two settings, each with comma-separated values, checked as the
/// API checks them (<see cref="SweepPlan"/>) while they are typed; "Queue sweep" queues every cell through the
/// single-job path, all or none, and opens the sweep's page.
/// </summary>
public sealed partial class Create
{
    private bool _sweepOpen, _sweepDraft;
    private readonly string?[] _sweepParameters = [null, null];
    private readonly string?[] _sweepValues = [null, null];

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>The axes as the API's <c>vary</c> fields ("motionBucketId=60,127,200"), an axis without a parameter left out.</summary>
    private IReadOnlyList<string> SweepAxes() =>
        [.. Enumerable.Range(0, 2).Where(i => _sweepParameters[i] is not null).Select(i => $"{_sweepParameters[i]}={_sweepValues[i] ?? ""}")];

    /// <summary>The plan of the form's sweep, or the refusal the API would give (field "vary").</summary>
    private (SweepPlan? Plan, string? Problem) SweepState()
    {
        if (SweepAxes().Count == 0) return (null, "Choose a setting to vary and list its values.");
        try
        {
            return (SweepPlan.Create(_form.ToRecipe(), SweepAxes(), Pack), null);
        }
        catch (SvdInputException ex)
        {
            return (null, ex.Message);
        }
    }

    private string? SweepProblem() => SweepState().Problem;

    private int SweepCellCount => SweepState().Plan?.Cells.Count ?? 0;

    private async Task QueueSweepAsync()
    {
        if (_submitting) return;
        _submitError = null;
        if (_image is null || _upload is null)
        {
            _imageError = "Choose an image first.";
            return;
        }
        if (GenerateBlocker() is not null || SweepState().Plan is null) return;
        // One seed for every cell (unless the seed is what varies), so the cells differ only in the varied settings.
        if (!_form.SeedLocked) _form.Seed = SvdRecipe.RandomSeed();
        var plan = SweepState().Plan!;
        _submitting = true;
        try
        {
            var owner = await CurrentOwnerAsync();
            var (sweep, _) = await Jobs.SubmitSweepAsync(new MemoryStream(_upload), _fileName ?? "image", plan, owner, CancellationToken.None, _form.LowMemory, _sweepDraft);
            Navigation.NavigateTo($"/sweeps/{sweep.Id}");
        }
        catch (UserFacingException ex)
        {
            if (ex.Field == "image") _imageError = ex.Message;
            else _submitError = ex.Message;
        }
        finally
        {
            _submitting = false;
        }
    }
}
