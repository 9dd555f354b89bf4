using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Components.Shared;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Tests.Components;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Jobs;

/// <summary>
/// The daily GPU quota on the real generation service and SQLite file, with a clock the test moves (no worker runs:
/// the runs are written onto rows as the worker would, with the times the test needs).
/// </summary>
public sealed class GpuQuotaTests : RealServicesContext
{
    private const int Quota = 600;
    private static readonly DateTimeOffset Afternoon = new(2026, 3, 10, 15, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock;

    public GpuQuotaTests() : this(new ManualClock(Afternoon))
    {
    }

    private GpuQuotaTests(ManualClock clock) : base(clock, o => o.DailyGpuSecondsPerUser = Quota) => _clock = clock;

    private static readonly JobOwner Alice = new("alice-id", "alice");
    private static readonly JobOwner Bob = new("bob-id", "bob");

    private JobService Jobs => Services.GetRequiredService<JobService>();

    private async Task<Guid> SubmitAsync(JobOwner owner)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await Jobs.SubmitAsync(image, "logo.png", new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 },
            owner, Xunit.TestContext.Current.CancellationToken)).Id;
    }

    /// <summary>Records a run on the row as JobRunner (or startup recovery, for Interrupted) would.</summary>
    private async Task RanAsync(Guid id, JobStatus status, DateTime started, DateTime? finished)
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(Xunit.TestContext.Current.CancellationToken);
        await db.Jobs.Where(g => g.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(g => g.Status, status).SetProperty(g => g.StartedUtc, started).SetProperty(g => g.FinishedUtc, finished), Xunit.TestContext.Current.CancellationToken);
    }

    private static DateTime At(int day, int hour, int minute) => new(2026, 3, day, hour, minute, 0, DateTimeKind.Utc);

    [Fact]
    public async Task UsageAsync_RunsAcrossMidnightRunningAndInterrupted_CountsTodaysPartOfRealRuns()
    {
        var quota = Services.GetRequiredService<GpuQuota>();
        await RanAsync(await SubmitAsync(Alice), JobStatus.Succeeded, At(9, 23, 55), At(10, 0, 5));  // 300 s today
        await RanAsync(await SubmitAsync(Alice), JobStatus.Failed, At(10, 9, 0), At(10, 9, 2));      // 120 s
        await RanAsync(await SubmitAsync(Alice), JobStatus.Running, At(10, 14, 59), null);          // 60 s so far
        await RanAsync(await SubmitAsync(Alice), JobStatus.Interrupted, At(10, 10, 0), At(10, 12, 0));
        await RanAsync(await SubmitAsync(Alice), JobStatus.Succeeded, At(9, 10, 0), At(9, 11, 0));  // yesterday
        await RanAsync(await SubmitAsync(Bob), JobStatus.Succeeded, At(10, 8, 0), At(10, 9, 0));

        var usage = await quota.UsageAsync(Alice.Id, Xunit.TestContext.Current.CancellationToken);

        Assert.Equal(480, usage.UsedSeconds, precision: 6);
        Assert.Equal(Quota, usage.LimitSeconds);
        Assert.Equal(At(11, 0, 0), usage.ResetsUtc);
        Assert.False(usage.IsExhausted);
        Assert.Equal("480 s / 600 s", usage.Text);
    }

    [Fact]
    public async Task Submit_QuotaUsedThenUtcMidnight_RefusedWithUsedLimitResetThenAdmitted()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        await RanAsync(await SubmitAsync(Alice), JobStatus.Succeeded, At(10, 9, 0), At(10, 9, 10));
        await using var db = await Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var rowsBefore = await db.Jobs.CountAsync(ct);

        var refused = await Assert.ThrowsAsync<GpuQuotaException>(() => SubmitAsync(Alice));

        Assert.Equal("You have used 600 of your 600 GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser). Nothing was stored. " +
            "The quota resets at midnight UTC (2026-03-11 00:00 UTC, in 9 h 0 min); submit again then, or ask an admin.", refused.Message);
        Assert.Equal(9 * 3600, refused.SecondsUntilReset);
        Assert.Equal(rowsBefore, await db.Jobs.CountAsync(ct));
        // Others, and admins, are not held back by Alice's quota.
        await SubmitAsync(Bob);
        await SubmitAsync(new JobOwner(Alice.Id, Alice.Name, IsAdmin: true));
        _clock.Set(new DateTimeOffset(2026, 3, 10, 23, 59, 59, TimeSpan.Zero));
        await Assert.ThrowsAsync<GpuQuotaException>(() => SubmitAsync(Alice));

        _clock.Set(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero));
        var next = await SubmitAsync(Alice);

        Assert.Equal(JobStatus.Queued, (await Jobs.FindAsync(next, ct))!.Status);
    }

    [Fact]
    public async Task Retry_QuotaUsed_RefusedForOwnerAllowedForAdmin()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var failed = await SubmitAsync(Alice);
        await RanAsync(failed, JobStatus.Failed, At(10, 9, 0), At(10, 9, 10));

        await Assert.ThrowsAsync<GpuQuotaException>(() => Jobs.RetryAsync(failed, Alice, ct));
        Assert.Equal(JobStatus.Failed, (await Jobs.FindAsync(failed, ct))!.Status);
        Assert.True(await Jobs.RetryAsync(failed, new JobOwner("root-id", "root", IsAdmin: true), ct));
        Assert.Equal(JobStatus.Queued, (await Jobs.FindAsync(failed, ct))!.Status);
    }

    [Fact]
    public async Task Badge_UserOverQuotaAndAdmin_ShowsUsedOverQuota()
    {
        await RanAsync(await SubmitAsync(Alice), JobStatus.Succeeded, At(10, 9, 0), At(10, 9, 12));

        var user = RenderBadge(Alice.Id, admin: false);
        var admin = RenderBadge("root-id", admin: true);

        user.WaitForAssertion(() => Assert.Contains("GPU time today: 720 s / 600 s", user.Find("#gpu-quota").TextContent, StringComparison.Ordinal));
        Assert.Contains("used up: new jobs are refused until midnight UTC (00:00 UTC)", user.Find("#gpu-quota").TextContent, StringComparison.Ordinal);
        admin.WaitForAssertion(() => Assert.Contains("GPU time today: 0 s / 600 s", admin.Find("#gpu-quota").TextContent, StringComparison.Ordinal));
        Assert.Contains("(admins are exempt)", admin.Find("#gpu-quota").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatePage_QuotaUsed_GenerateShowsRefusalAndBadgeShowsUsage()
    {
        await RanAsync(await SubmitAsync(Alice), JobStatus.Succeeded, At(10, 9, 0), At(10, 9, 10));
        Render<MudPopoverProvider>();
        var page = Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, SignedIn(Alice.Id, admin: false))
            .AddChildContent<Create>()).FindComponent<Create>();
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo.png", contentType: "image/png"));
        page.WaitForElement("#model-view");

        page.Find("#generate").Click();

        page.WaitForAssertion(() => Assert.Contains("You have used 600 of your 600 GPU seconds for today (SvdWeb:DailyGpuSecondsPerUser). Nothing was stored.",
            page.Find("#submit-error").TextContent, StringComparison.Ordinal));
        Assert.Contains("GPU time today: 600 s / 600 s", page.Find("#gpu-quota").TextContent, StringComparison.Ordinal);
    }

    private static Task<AuthenticationState> SignedIn(string userId, bool admin)
    {
        Claim[] claims = admin
            ? [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId), new Claim(ClaimTypes.Role, Roles.Admin)]
            : [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)];
        return Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity(claims, "Test"))));
    }

    private IRenderedComponent<GpuQuotaBadge> RenderBadge(string userId, bool admin) =>
        Render<CascadingValue<Task<AuthenticationState>>>(p => p
            .Add(c => c.Value, SignedIn(userId, admin))
            .AddChildContent<GpuQuotaBadge>()).FindComponent<GpuQuotaBadge>();
}
