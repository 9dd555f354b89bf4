using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Accounts;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>The daily GPU quota through the REST API, on the real host: a real run uses the quota, the next submission gets 429.</summary>
public sealed class GpuQuotaApiTests : IDisposable
{
    private readonly MovableClock _clock = new();
    private readonly SvdWebFactory _factory;

    public GpuQuotaApiTests() => _factory = new(settings: new Dictionary<string, string?> { ["SvdWeb:DailyGpuSecondsPerUser"] = "1" },
        services: s => s.AddSingleton<TimeProvider>(_clock));

    [Fact]
    public async Task Submit_QuotaUsedByCancelledRun_TooManyRequestsNamingUsedLimitAndReset()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("root", "root password", admin: true, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var admin = await SignIn.AsAsync(_factory, "root", "root password", ct);
        var first = await SubmitAsync(alice, """{"height":256,"width":512,"numFrames":14,"numInferenceSteps":50,"seed":1}""", ct);
        // It holds the worker past the 1 s quota (the clock moved on 1.5 s while it runs), then is cancelled: a
        // cancelled run's time counts too.
        await ProgressWaits.UntilStatusAsync(_factory.Services, first, JobStatus.Running, ct);
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        await alice.PostAsync($"/api/jobs/{first}/cancel", null, ct);
        Assert.Equal(JobStatus.Cancelled, (await JobPolls.WaitForEndAsync(alice, first, ct)).Status);

        var refused = await alice.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct));
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.Matches(@"^You have used \d+ of your 1 GPU seconds for today \(SvdWeb:DailyGpuSecondsPerUser\)\. Nothing was stored\.", detail);
        var resets = problem.RootElement.GetProperty("resetsUtc").GetDateTime().ToUniversalTime();
        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), resets);
        Assert.Contains(resets.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC", detail, StringComparison.Ordinal);
        Assert.Equal(1, problem.RootElement.GetProperty("limitSeconds").GetInt32());
        Assert.True(problem.RootElement.GetProperty("usedSeconds").GetDouble() >= 1);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 86_400);
        Assert.Equal(1, (await admin.GetFromJsonAsync<PageDto<JobDto>>("/api/gallery", JobRequests.Json, ct))!.Total);
        // Admins are exempt.
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct)).StatusCode);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string recipe, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    public void Dispose() => _factory.Dispose();
}
