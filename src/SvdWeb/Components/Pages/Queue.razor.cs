using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using SvdWeb.Accounts;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Options;

namespace SvdWeb.Components.Pages;

/// <summary>
/// Waiting and running jobs in the order workers will take them, with owners, progress and estimates. Owners and
/// admins cancel; admins also move waiting jobs (front, unpin, up, down; the rules are on <see cref="GenerationQueue"/>).
/// </summary>
public sealed partial class Queue
{
    [Inject] private QueueEstimator Estimator { get; set; } = default!;

    [Inject] private JobProgressBroadcaster Broadcaster { get; set; } = default!;

    [Inject] private GenerationService Generations { get; set; } = default!;

    [Inject] private IOptions<SvdWebOptions> Options { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    private System.Security.Claims.ClaimsPrincipal? _viewer;
    private IReadOnlyList<QueueEntry>? _entries;
    private int _refreshes;
    // Without an authentication state (no accounts wired) everyone is the local admin, as in CancelAsync.
    private bool _mayReorder;
    private string? _refusal;
    private IReadOnlyDictionary<Guid, string> _owners = new Dictionary<Guid, string>();
    private IDisposable? _subscription;
    private readonly System.Diagnostics.Stopwatch _sinceRefresh = System.Diagnostics.Stopwatch.StartNew();

    protected override async Task OnInitializedAsync()
    {
        // Any job's progress may move the queue; refresh at most twice a second, always on a final state.
        _subscription = Broadcaster.Subscribe(null, p =>
        {
            if (p.IsFinal || p.Step <= 1 || _sinceRefresh.ElapsedMilliseconds > 500)
            {
                _sinceRefresh.Restart();
                _ = InvokeAsync(RefreshAsync);
            }
        });
        await RefreshAsync();
    }

    private async Task RefreshAsync()
    {
        _entries = await Estimator.SnapshotAsync(CancellationToken.None);
        _refreshes++;
        // Others' private items keep their place in the line but show neither name nor link.
        _viewer = AuthenticationState is null ? null : (await AuthenticationState).User;
        var viewer = _viewer?.ToJobOwner() ?? JobOwner.Local;
        _mayReorder = _viewer is null || Ownership.MayReorder(_viewer);
        _owners = QueueOwnerLabels.For(_entries, viewer.Id, Options.Value.AnonymiseQueue);
        StateHasChanged();
    }

    private string ProgressText(Guid id) => Broadcaster.Latest(id) is { Status: GenerationStatus.Running } p
        ? string.Create(CultureInfo.InvariantCulture, $"{p.Fraction * 100:F0}%{(p.Stage == SvdStage.Denoising ? $" · {SvdProgress.Counter(p.Stage, p.Step, p.TotalSteps)}" : "")}")
        : "waiting";

    private async Task CancelAsync(Guid id)
    {
        if (AuthenticationState is not null && _entries?.FirstOrDefault(e => e.Job.Id == id)?.Job is { } job
            && !Ownership.MayChange((await AuthenticationState).User, job))
        {
            _refusal = Ownership.Refusal(job);
            return;
        }
        await Generations.CancelAsync(id, CancellationToken.None);
        await RefreshAsync();
    }

    /// <summary>
    /// Whether up (-1) or down (1) has a job to swap with: the entries are in planned order, and a move swaps within the
    /// pinned jobs or within one owner's unpinned jobs (GenerationQueue's remarks).
    /// </summary>
    private bool HasNeighbour(QueueEntry entry, int direction)
    {
        var waiting = _entries!.Where(e => e.Job.Status == GenerationStatus.Queued).ToList();
        var index = waiting.FindIndex(e => e.Job.Id == entry.Job.Id);
        var pinned = entry.Job.PinRank is not null;
        for (var i = index + direction; i >= 0 && i < waiting.Count; i += direction)
        {
            var other = waiting[i].Job;
            if (pinned ? other.PinRank is not null : other.PinRank is null && other.OwnerId == entry.Job.OwnerId) return true;
        }
        return false;
    }

    private async Task MoveAsync(Guid id, QueueMove to)
    {
        _refusal = AuthenticationState is not null && !Ownership.MayReorder((await AuthenticationState).User)
            ? Ownership.ReorderRefusal
            : await Generations.MoveAsync(id, to, CancellationToken.None);
        await RefreshAsync();
    }

    public void Dispose() => _subscription?.Dispose();
}
