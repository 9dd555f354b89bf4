using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;
using SvdWeb.Accounts;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Options;

namespace SvdWeb.Components.Pages;

/// <summary>
/// Waiting and running jobs in the order workers will take them, with owners, progress and estimates. Owners and
/// admins cancel; admins also move waiting jobs (front, unpin, up, down; the rules are on <see cref="JobQueue"/>).
/// </summary>
/// <remarks>
/// The estimates are those of the last snapshot, which is taken on progress events only; between them (a slow step of a
/// large pack, or a queue that nothing moves) a one-second tick counts them down from the time of the snapshot, on the
/// app's <see cref="TimeProvider"/> so tests move the clock instead of sleeping.
/// </remarks>
public sealed partial class Queue
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    [Inject] private QueueEstimator Estimator { get; set; } = default!;

    [Inject] private JobProgressBroadcaster Broadcaster { get; set; } = default!;

    [Inject] private JobService Jobs { get; set; } = default!;

    [Inject] private IOptions<SvdWebOptions> Options { get; set; } = default!;

    [Inject] private TimeProvider Time { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    private System.Security.Claims.ClaimsPrincipal? _viewer;
    private IReadOnlyList<QueueEntry>? _entries;
    private IReadOnlyList<QueueRow> _rows = [];
    private int _refreshes;
    // Without an authentication state (no accounts wired) everyone is the local admin, as in CancelAsync.
    private bool _mayReorder;
    private string? _refusal;
    private IReadOnlyDictionary<Guid, string> _owners = new Dictionary<Guid, string>();
    private IDisposable? _subscription;
    private ITimer? _countdown;
    private long _snapshotAt;
    private volatile bool _disposed;
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
        _rows = QueueRow.Update(_rows, _entries);
        _snapshotAt = Time.GetTimestamp();
        _refreshes++;
        // Others' private items keep their place in the line but show neither name nor link.
        _viewer = AuthenticationState is null ? null : (await AuthenticationState).User;
        var viewer = _viewer?.ToJobOwner() ?? JobOwner.Local;
        _mayReorder = _viewer is null || Ownership.MayReorder(_viewer);
        _owners = QueueOwnerLabels.For(_entries, viewer.Id, Options.Value.AnonymiseQueue);
        StateHasChanged();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // Started once the page is interactive: a prerender never ticks, and Dispose ends the timer with the circuit.
        if (firstRender && !_disposed)
            _countdown = Time.CreateTimer(_ => _ = InvokeAsync(OnTick), null, Tick, Tick);
    }

    private void OnTick()
    {
        if (!_disposed && _entries?.Any(e => e.EstimatedSecondsLeft is not null) == true) StateHasChanged();
    }

    /// <summary>The snapshot's estimate less the time since it was taken, so it counts down every second.</summary>
    private string EtaText(QueueEntry entry)
    {
        if (entry.EstimatedSecondsLeft is not { } estimate) return "—";
        var left = (int)Math.Round(estimate - Time.GetElapsedTime(_snapshotAt).TotalSeconds, MidpointRounding.AwayFromZero);
        return left switch
        {
            // The estimate has run out before the job ended: it was too short, so no number is better than a wrong one.
            <= 0 => "any moment",
            < 60 => string.Create(CultureInfo.InvariantCulture, $"≈ {left} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"≈ {left / 60} min {left % 60:00} s"),
        };
    }

    private string ProgressText(Guid id) => Broadcaster.Latest(id) is { Status: JobStatus.Running } p
        ? string.Create(CultureInfo.InvariantCulture, $"{p.Fraction * 100:F0}%{p.Stage switch
        {
            SvdStage.Denoising => $" · {SvdProgress.Counter(p.Stage, p.Step, p.TotalSteps)}",
            SvdStage.LoadingModel => " · loading the model",
            _ => "",
        }}")
        : "waiting";

    private async Task CancelAsync(Guid id)
    {
        if (AuthenticationState is not null && _entries?.FirstOrDefault(e => e.Job.Id == id)?.Job is { } job
            && !Ownership.MayChange((await AuthenticationState).User, job))
        {
            _refusal = Ownership.Refusal(job);
            return;
        }
        var entry = _entries?.FirstOrDefault(e => e.Job.Id == id);
        var name = entry?.Job.InputFileName ?? "this job";
        // Cancelling throws away the job's place in line (and a running job's work so far): asked first, as Revoke is.
        var running = entry?.Job.Status == JobStatus.Running;
        var confirmed = await Dialogs.ShowMessageBoxAsync($"Cancel {name}?",
            running
                ? "It is running: it stops within moments and makes no video. It stays in the gallery as cancelled, where Retry runs it again."
                : "It leaves the queue without running. It stays in the gallery as cancelled, where Retry queues it again.",
            yesText: "Cancel job", cancelText: "Keep");
        if (confirmed != true) return;
        try
        {
            if (await Jobs.CancelAsync(id, CancellationToken.None))
                Snackbar.Add(running ? $"Cancelled {name}: it stops within moments." : $"Cancelled {name}.", Severity.Success);
            else
                Snackbar.Add($"{name} was not cancelled: it has already ended.", Severity.Warning);
        }
        catch (Exception ex) when (ex is UserFacingException or DbUpdateException or IOException)
        {
            Snackbar.Add($"{name} was not cancelled: {ex.Message}", Severity.Error);
        }
        await RefreshAsync();
    }

    /// <summary>
    /// Whether up (-1) or down (1) has a job to swap with: the entries are in planned order, and a move swaps within the
    /// pinned jobs or within one owner's unpinned jobs (JobQueue's remarks).
    /// </summary>
    private bool HasNeighbour(QueueEntry entry, int direction)
    {
        var waiting = _entries!.Where(e => e.Job.Status == JobStatus.Queued).ToList();
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
            : await Jobs.MoveAsync(id, to, CancellationToken.None);
        await RefreshAsync();
    }

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
        _countdown?.Dispose();
    }
}
