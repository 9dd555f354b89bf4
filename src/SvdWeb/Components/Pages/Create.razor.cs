using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SvdWeb.Accounts;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.Devices;
using SvdWeb.Packs;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Components.Pages;

/// <summary>
/// Upload an image, pick a pack, size, fit and every pipeline parameter (pack defaults, the shared bounds, one-line
/// help), see exactly what the model will see, and queue the job. Validation is the pipeline's own
/// (<see cref="SvdParameterLimits"/>), so the messages match the CLI and the API. "?remix={id}" prefills everything
/// from a gallery item.
/// </summary>
public sealed partial class Create : IDisposable
{
    private const int PreviewMaxSide = 512;
    private CreateForm _form = new();
    private IReadOnlyList<PackEntry> _packs = [];
    private RgbImage? _image;
    private byte[]? _upload;
    private string? _fileName, _inputPreview, _modelView, _upscaleWarning, _imageError, _submitError;
    private bool _dragging, _submitting;

    /// <summary>The most variations one Generate queues; each is a job of its own against the queue and quota limits.</summary>
    internal const int MaxCount = 16;

    private int _count = 1;
    private readonly Dictionary<string, object> _rules = new(StringComparer.Ordinal);
    private MudBlazor.MudForm? _settingsForm;
    private bool _revalidate = true;

    [Inject] private JobService Jobs { get; set; } = default!;

    /// <summary>The signed-in user (the app always cascades it; component tests without authentication act as the local user).</summary>
    [CascadingParameter] private Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState>? AuthenticationState { get; set; }

    [Inject] private PackCatalog Catalog { get; set; } = default!;

    [Inject] private MediaStore Media { get; set; } = default!;

    [Inject] private GpuMemoryGuard Memory { get; set; } = default!;

    [Inject] private MudBlazor.ISnackbar Snackbar { get; set; } = default!;

    [Inject] private IOptions<SvdWebOptions> Options { get; set; } = default!;

    /// <summary>Gallery item to prefill from (Remix).</summary>
    [SupplyParameterFromQuery(Name = "remix")]
    public Guid? Remix { get; set; }

    private ModelPack? Pack => _packs.FirstOrDefault(p => p.Name == _form.Model)?.Pack;

    private int SideStep => Pack is { } pack ? SvdParameterLimits.SideMultiple(pack) : 8;

    private int DefaultFrames => Pack?.DefaultFrames ?? 14;

    private string Limit => $"{Options.Value.MaxUploadBytes / 1048576.0:F0} MB";

    private string PackHelp => _packs.FirstOrDefault(p => p.Name == _form.Model) is { } entry
        ? entry.IsValid ? $"{entry.Pack!.DefaultFrames} frames, {entry.Pack.DefaultWidth}×{entry.Pack.DefaultHeight}, {entry.Pack.Precision}, {entry.Pack.ParameterCount / 1e6:F1} M parameters" : string.Join(" ", entry.Problems)
        : "No model pack found in the models folder.";

    protected override async Task OnInitializedAsync()
    {
        _packs = Catalog.List();
        _form.Model = _packs.FirstOrDefault(p => p.Name == Catalog.DefaultPack && IsUsable(p))?.Name ?? _packs.FirstOrDefault(IsUsable)?.Name;
        ResetDefaults();
        Catalog.Changed += OnCatalogChanged;
        // Someone else's private item cannot be remixed: to them it does not exist.
        if (Remix is { } id && await VisibleItemAsync(id) is { } source)
        {
            _form.Load(source.ToRecipe());
            _revalidate = true;
            await LoadItemImageAsync(source);
            UpdateModelView();
        }
    }

    /// <summary>Packs added, removed or accepted meanwhile show up in the list; the chosen pack and settings stay.</summary>
    private void OnCatalogChanged() => _ = InvokeAsync(() =>
    {
        _packs = Catalog.List();
        StateHasChanged();
    });

    private bool IsUsable(PackEntry entry) => entry.Pack is { } pack && Catalog.Administration.IsLicenseAccepted(pack);

    private string PackLabel(PackEntry entry) => entry.Pack is not { } pack ? "· invalid"
        : !Catalog.Administration.IsLicenseAccepted(pack) ? "· license not accepted"
        : $"· {pack.DefaultFrames} frames · {pack.Precision}";

    /// <summary>
    /// The peak GPU memory of the current settings, recomputed on every render (a few multiplications), so it follows
    /// frames, size, decode chunk, videos and guidance as they are typed. Null while a value is out of range.
    /// </summary>
    private (string Text, string? Refusal)? MemoryEstimate()
    {
        if (Pack is not { } pack || FieldProblems().Count > 0)
            return null;
        var recipe = MemoryRecipe.From(_form.ToRecipe().Resolve(pack));
        var estimate = Memory.Estimate(pack, recipe, _form.LowMemory);
        if (Memory.Refusal(pack, recipe) is { } refusal) return (refusal, refusal);
        var limit = Memory.Available is { } available
            ? $"The GPU has {GpuMemoryEstimate.Gib(available.Bytes)} GiB ({available.Source})."
            : "No GPU memory limit is known (CPU, or SvdWeb:Inference:GpuMemoryBytes unset), so nothing is refused for memory.";
        var plan = Memory.Plan(pack, recipe, _form.LowMemory);
        var options = plan == MemoryOptions.None ? ""
            : _form.LowMemory ? $" Low memory: runs with {plan.Describe()} (same frames, slower)."
            : $" Runs with {plan.Describe()} to fit (same frames; see README, \"GPU memory guidance\").";
        return ($"Estimated peak GPU memory: {estimate.Describe()}. {limit}{options}", null);
    }

    /// <summary>
    /// Every setting out of range, by field, with the message the API would give (range included): all are shown at
    /// once beside their fields, and Generate stays off until none is left. Values are never clamped behind the
    /// user's back; they stay as typed until changed.
    /// </summary>
    private Dictionary<string, string> FieldProblems()
    {
        var problems = Pack is { } pack
            ? SvdParameterLimits.Problems(_form.ToRecipe(), pack).GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.First().Message, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        if (_count is < 1 or > MaxCount) problems["count"] = $"count must be between 1 and {MaxCount}, but is {_count}.";
        return problems;
    }

    /// <summary>Why Generate is off (settings out of range, or a recipe the GPU cannot hold), else null.</summary>
    private string? GenerateBlocker()
    {
        var problems = FieldProblems();
        if (problems.Count > 0)
            return $"Fix the highlighted setting{(problems.Count == 1 ? "" : "s")} to generate: {string.Join(", ", problems.Keys)}.";
        return MemoryEstimate() is { Refusal: not null } ? "The recipe does not fit the GPU's memory (see above)." : null;
    }

    public void Dispose() => Catalog.Changed -= OnCatalogChanged;

    private void ResetDefaults()
    {
        var keep = (_form.Model, _form.Seed, _form.SeedLocked, _form.LowMemory);
        _form = CreateForm.ForPack(Pack);
        (_form.Model, _form.Seed, _form.SeedLocked, _form.LowMemory) = keep;
        if (!_form.SeedLocked) _form.Seed = SvdRecipe.RandomSeed();
        _revalidate = true;
        UpdateModelView();
    }

    private void OnModelChanged(string model)
    {
        _form.Model = model;
        ResetDefaults();
    }

    private void OnPresetChanged(string preset)
    {
        _form.ApplyPreset(preset);
        _revalidate = true;
        UpdateModelView();
    }

    private void OnFitChanged(FitMode fit)
    {
        _form.Fit = fit;
        UpdateModelView();
    }

    private void RandomizeSeed()
    {
        _form.Seed = SvdRecipe.RandomSeed();
        _form.SeedLocked = true;
    }

    private void LockSeed() => _form.SeedLocked = true;

    private async Task OnFileChangedAsync(IBrowserFile? file)
    {
        _imageError = null;
        if (file is null) return;
        var limit = Options.Value.MaxUploadBytes;
        if (file.Size > limit)
        {
            _imageError = ImageLoader.TooLarge(JobService.DisplayName(file.Name), file.Size, Options.Value.ImageLimits()).Message;
            return;
        }
        try
        {
            // Blazor's default read limit is 500 KB; ours comes from the options.
            await using var stream = file.OpenReadStream(limit);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            if (await OfferDroppedRecipeAsync(bytes, file.Name)) return;
            await UseImageAsync(bytes, JobService.DisplayName(file.Name));
            UpdateModelView();
        }
        catch (UserFacingException ex)
        {
            if (_dropped is null) _imageError = ex.Message;
            else DroppedFrameUnreadable();
        }
        catch (IOException ex)
        {
            _imageError = $"'{JobService.DisplayName(file.Name)}' could not be read from the browser: {ex.Message}";
        }
    }

    private void ClearImage()
    {
        (_upload, _image, _fileName, _inputPreview, _modelView, _upscaleWarning, _imageError) = (null, null, null, null, null, null, null);
    }

    /// <summary>Past this enlargement of the fitted image the video is visibly soft: worth saying before minutes of GPU time.</summary>
    internal const double UpscaleWarningFactor = 2;

    private void UpdateModelView()
    {
        (_modelView, _upscaleWarning) = (null, null);
        if (_image is null || _form.Width % 8 != 0 || _form.Height % 8 != 0 || _form.Width < SvdParameterLimits.MinSide || _form.Height < SvdParameterLimits.MinSide
            || _form.Width > SvdParameterLimits.MaxSide || _form.Height > SvdParameterLimits.MaxSide)
            return;
        // Exactly the pipeline's VAE input: the fit, then Pillow's Lanczos to the output size.
        var fitted = ImageFit.Apply(_image, _form.Width, _form.Height, _form.Fit);
        var enlargement = Math.Max((double)_form.Width / fitted.Width, (double)_form.Height / fitted.Height);
        if (enlargement > UpscaleWarningFactor)
        {
            _upscaleWarning = string.Create(CultureInfo.InvariantCulture,
                $"The image is {_image.Width} × {_image.Height}: fitting it to {_form.Width} × {_form.Height} enlarges it {enlargement:0.0}×, so the video will look soft. A larger image, or a smaller output size, keeps its detail.");
        }
        var modelInput = fitted.Width == _form.Width && fitted.Height == _form.Height ? fitted : PillowResize.Lanczos(fitted, _form.Width, _form.Height);
        _modelView = DataUrl(modelInput, int.MaxValue);
    }

    private Task GenerateAsync() => QueueAsync(draft: false);

    /// <summary>The same as Generate, as drafts: each job runs the pack's draft steps and remembers the recipe's own for its final.</summary>
    private Task DraftAsync() => QueueAsync(draft: true);

    /// <summary>The draft steps of the current recipe on the chosen pack: its draft steps, never more than the recipe's.</summary>
    private int DraftSteps => Pack?.DraftStepsFor(_form.NumInferenceSteps) ?? Math.Min(ModelPack.DefaultDraftInferenceSteps, _form.NumInferenceSteps);

    /// <summary>The Draft button's hint: what it runs, what it costs, and how close a draft came to its final where measured.</summary>
    private string DraftHint => string.Create(CultureInfo.InvariantCulture,
        $"Queue this recipe (same image, seed and settings) with {DraftSteps} denoising steps instead of {_form.NumInferenceSteps}, to see the motion in a fraction of the time; the draft's page then offers Make final with all {_form.NumInferenceSteps}. {DraftCloseness}");

    /// <summary>
    /// Measured on the bundled tiny pack (DraftFinalPsnrTests, which holds every frame to at least 28 dB): an 8-step draft
    /// against its 25-step final, per-frame PSNR. Real weights differ; the figure says what "close" meant there.
    /// </summary>
    internal const string DraftCloseness = "Measured on the bundled tiny pack: an 8-step draft's frames are 29.1–31.5 dB PSNR from its 25-step final's (mean 29.8 dB; a draft of another seed: 17–20 dB).";

    /// <summary>
    /// Queues the recipe <see cref="_count"/> times with seeds s, s+1, … (each through the same queue, quota and memory
    /// checks as one job), as drafts when <paramref name="draft"/>, and stays on the page with the image and settings,
    /// saying what was queued with links to the jobs; a refusal part way keeps what was queued and says why the rest was not.
    /// </summary>
    private async Task QueueAsync(bool draft)
    {
        if (_submitting) return;
        _submitError = null;
        if (_image is null || _upload is null)
        {
            _imageError = "Choose an image first.";
            return;
        }
        // Ctrl+Enter reaches here with the button off: the page already shows why, once.
        if (GenerateBlocker() is not null) return;
        if (!_form.SeedLocked) _form.Seed = SvdRecipe.RandomSeed();
        var recipe = _form.ToRecipe();
        var queued = new List<SvdWeb.Gallery.Job>();
        string? refusal = null;
        _submitting = true;
        try
        {
            var owner = await CurrentOwnerAsync();
            for (var i = 0; i < _count; i++)
            {
                var variation = recipe with { Seed = recipe.Seed + i };
                queued.Add(await Jobs.SubmitAsync(new MemoryStream(_upload), _fileName ?? "image", variation, owner, CancellationToken.None, lowMemory: _form.LowMemory, draft: draft));
            }
        }
        catch (UserFacingException ex)
        {
            // A refusal about one input is shown at that input too, unless some of the batch was queued already.
            if (ex.Field == "image") _imageError = ex.Message;
            else if (queued.Count > 0) refusal = $"The other {_count - queued.Count} were not queued: {ex.Message}";
            else _submitError = ex.Message;
        }
        finally
        {
            _submitting = false;
        }
        if (queued.Count > 0)
        {
            var parameters = new Dictionary<string, object> { [nameof(Shared.QueuedSnackbar.Jobs)] = queued, [nameof(Shared.QueuedSnackbar.Refusal)] = refusal! };
            if (draft) parameters[nameof(Shared.QueuedSnackbar.Lead)] = string.Create(CultureInfo.InvariantCulture, $"Draft, {queued[0].Recipe.NumInferenceSteps} steps (Make final on its page runs {queued[0].FinalInferenceSteps}).");
            Snackbar.Add<Shared.QueuedSnackbar>(parameters,
                refusal is null ? MudBlazor.Severity.Success : MudBlazor.Severity.Warning, options => options.VisibleStateDuration = 10_000);
        }
    }

    /// <summary>Ctrl+Enter (or ⌘+Enter) anywhere on the page generates, as in the other tools.</summary>
    private async Task OnKeyDownAsync(Microsoft.AspNetCore.Components.Web.KeyboardEventArgs e)
    {
        if (e.Key == "Enter" && (e.CtrlKey || e.MetaKey)) await GenerateAsync();
    }

    private async Task<JobOwner> CurrentOwnerAsync() =>
        AuthenticationState is null ? JobOwner.Local : (await AuthenticationState).User.ToJobOwner();

    /// <summary>A field's MudForm rule: the problem <see cref="FieldProblems"/> finds for it in the whole form (so a
    /// change to max guidance can flag min guidance too), cached so each render passes the same delegate.</summary>
    private Func<T, string?> Rule<T>(string field)
    {
        if (!_rules.TryGetValue(field, out var rule)) _rules[field] = rule = new Func<T, string?>(_ => FieldProblems().GetValueOrDefault(field));
        return (Func<T, string?>)rule;
    }

    /// <summary>One field changed: every field is checked again, since rules span fields (min ≤ max guidance, sizes per pack).</summary>
    private Task OnFieldChangedAsync(MudBlazor.Utilities.FormFieldChangedEventArgs args) => _settingsForm?.ValidateAsync() ?? Task.CompletedTask;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Values set by the page (pack defaults, a preset, Remix) are checked as typed ones are.
        if (_revalidate && _settingsForm is not null)
        {
            _revalidate = false;
            await _settingsForm.ValidateAsync();
        }
    }

    private static string DataUrl(RgbImage image, int maxSide)
    {
        using var picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        if (Math.Max(image.Width, image.Height) > maxSide)
            picture.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(maxSide, maxSide), Mode = ResizeMode.Max }));
        using var stream = new MemoryStream();
        picture.SaveAsPng(stream);
        return "data:image/png;base64," + Convert.ToBase64String(stream.ToArray());
    }
}
