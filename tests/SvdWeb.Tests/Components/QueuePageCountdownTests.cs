using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>
/// The queue page's estimates count down every second between progress events, on the app's clock (a manual one here,
/// moved by the test instead of sleeping), and the tick ends with the page.
/// </summary>
public sealed class QueuePageCountdownTests : RealServicesContext
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock;

    public QueuePageCountdownTests() : this(new ManualClock(Start))
    {
    }

    private QueuePageCountdownTests(ManualClock clock) : base(clock) => _clock = clock;

    private async Task<Guid> SubmitAsync(string name)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await Services.GetRequiredService<JobService>().SubmitAsync(image, name,
            new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 }, JobOwner.Local, Xunit.TestContext.Current.CancellationToken)).Id;
    }

    /// <summary>
    /// A finished job of the same recipe at 5 s per step: the estimator's reference, so a waiting copy of it is estimated at
    /// 5 s × 2 steps × 1.2 (decode and encode allowance) = 12 s.
    /// </summary>
    private async Task FinishAsReferenceAsync(Guid id)
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(g => g.Status, JobStatus.Succeeded)
            .SetProperty(g => g.SecondsPerStep, 5.0)
            .SetProperty(g => g.FinishedUtc, Start.UtcDateTime), ct);
    }

    [Fact]
    public async Task Eta_ClockMovesWithoutProgressEvents_CountsDownEverySecond()
    {
        await FinishAsReferenceAsync(await SubmitAsync("timed.png"));
        await SubmitAsync("waiting.png");
        Render<MudPopoverProvider>();
        var page = Render<Queue>();
        var eta = () => page.Find("#queue-table tbody tr td.queue-eta").TextContent.Trim();
        page.WaitForAssertion(() => Assert.Equal("≈ 12 s", eta()));

        _clock.Advance(TimeSpan.FromSeconds(1));
        page.WaitForAssertion(() => Assert.Equal("≈ 11 s", eta()));
        _clock.Advance(TimeSpan.FromSeconds(5));
        page.WaitForAssertion(() => Assert.Equal("≈ 6 s", eta()));
        // Past the estimate the job may still be waiting: no negative or frozen number.
        _clock.Advance(TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Equal("any moment", eta()));
    }

    [Fact]
    public async Task Eta_OverAMinute_MinutesAndSeconds()
    {
        // Ten waiting copies behind one worker: the last is done after all ten, 120 s.
        await FinishAsReferenceAsync(await SubmitAsync("timed.png"));
        for (var i = 0; i < 10; i++) await SubmitAsync($"waiting-{i}.png");
        Render<MudPopoverProvider>();
        var page = Render<Queue>();
        var lastEta = () => page.FindAll("#queue-table tbody tr td.queue-eta")[^1].TextContent.Trim();
        page.WaitForAssertion(() => Assert.Equal("≈ 2 min 00 s", lastEta()));

        _clock.Advance(TimeSpan.FromSeconds(1));

        page.WaitForAssertion(() => Assert.Equal("≈ 1 min 59 s", lastEta()));
    }

    [Fact]
    public async Task Countdown_PageDisposed_TimerStopped()
    {
        await FinishAsReferenceAsync(await SubmitAsync("timed.png"));
        await SubmitAsync("waiting.png");
        Render<MudPopoverProvider>();
        var before = _clock.ActiveTimers;
        var page = Render<Queue>();
        page.WaitForElement("#queue-table");
        Assert.Equal(before + 1, _clock.ActiveTimers);

        await DisposeComponentsAsync();

        Assert.Equal(before, _clock.ActiveTimers);
        // Ticks after disposal have nothing to render into and must not throw.
        _clock.Advance(TimeSpan.FromSeconds(3));
    }
}
