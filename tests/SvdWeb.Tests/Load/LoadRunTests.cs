using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Browser;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Load;

/// <summary>
/// A bounded load run on loopback: 50 concurrent API submissions from 5 users (each with an API token) against a queue
/// limit of 30, then 20 browser circuits of a signed-in user following jobs live. Every submission is either accepted
/// and completes, or refused with a reason; the stored start times show the round-robin (no job waits behind more than
/// one job of each other user); managed memory stays bounded. The figures go to the test output (reported on the
/// issue), not into assertions on time.
/// </summary>
public sealed class LoadRunTests : IAsyncLifetime
{
    private const int Submissions = 50, QueueLimit = 30, Circuits = 20, Users = 5;
    private readonly SvdWebFactory _factory = new(kestrel: true, settings: new Dictionary<string, string?>
    {
        ["SvdWeb:MaxQueuedJobs"] = QueueLimit.ToString(CultureInfo.InvariantCulture),
        // This run measures the global limit, not the per-user one.
        ["SvdWeb:MaxQueuedJobsPerUser"] = Submissions.ToString(CultureInfo.InvariantCulture),
    });

    private readonly List<HttpClient> _clients = [];

    public ValueTask InitializeAsync()
    {
        _factory.StartServer();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ConcurrentSubmissionsAndCircuits_EveryJobCompletesOrIsRefusedWithReason()
    {
        var ct = TestContext.Current.CancellationToken;
        // Accounts exist, so every call needs a user: one API token per submitting user, as lab scripts do.
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        var tokens = _factory.Services.GetRequiredService<ApiTokenService>();
        var clients = _clients;
        for (var u = 0; u < Users; u++)
        {
            var userId = await accounts.CreateAsync($"user{u}", $"user{u} password", admin: false, ct);
            var secret = (await tokens.CreateAsync(userId, "load run", ct)).Secret;
            var userClient = new HttpClient { BaseAddress = _factory.ServerAddress, Timeout = TimeSpan.FromMinutes(5) };
            userClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            clients.Add(userClient);
        }
        var client = clients[0];
        // Each client's connection and token check warmed up, so the burst below races on the queue, not on who connects first.
        foreach (var userClient in clients) Assert.Equal(HttpStatusCode.OK, (await userClient.GetAsync("/api/models", ct)).StatusCode);
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();

        // Each answer's arrival time: by then the job was in the queue (its row's CreatedUtc is earlier, before the
        // database write that may wait on the worker's, while others' jobs can still start).
        var answered = new DateTime[Submissions];
        var responses = await Task.WhenAll(Enumerable.Range(0, Submissions).Select(async i =>
        {
            var response = await clients[UserOf(i)].PostAsync("/api/jobs",
                JobRequests.Form(Fixtures.Image("logo_128x64.png"), $$"""{"numFrames":2,"numInferenceSteps":2,"decodeChunkSize":2,"seed":{{i}}}"""), ct);
            answered[i] = DateTime.UtcNow;
            return response;
        }));
        var submitSeconds = clock.Elapsed.TotalSeconds;

        var accepted = new List<Guid>();
        var ownerOf = new Dictionary<Guid, int>();
        var queuedBy = new Dictionary<Guid, DateTime>();
        var refused = 0;
        for (var i = 0; i < responses.Length; i++)
        {
            var response = responses[i];
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var id = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
                accepted.Add(id);
                ownerOf[id] = UserOf(i);
                queuedBy[id] = answered[i];
                continue;
            }
            refused++;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            Assert.Contains("The queue is full", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // The limit holds under concurrency: at most the limit waits, plus what the worker took meanwhile.
        Assert.InRange(accepted.Count, QueueLimit, Submissions);
        Assert.True(refused > 0, "All 50 submissions were accepted despite a queue limit of 30.");

        // 20 circuits follow 20 of the jobs live, each until its player appears.
        await using var browser = await BrowserSession.StartAsync();
        await browser.Page.GotoAsync(new Uri(_factory.ServerAddress, "/login").ToString());
        await browser.Page.FillAsync("input[name=userName]", "user0");
        await browser.Page.FillAsync("input[name=password]", "user0 password");
        await browser.Page.ClickAsync("#login-form button[type=submit]");
        await browser.Page.WaitForURLAsync(new Uri(_factory.ServerAddress, "/").ToString());
        // The sign-in cookie goes into one context whose tabs share it; each tab is still a circuit of its own.
        await using var signedIn = await browser.Page.Context.Browser!.NewContextAsync(new BrowserNewContextOptions { StorageState = await browser.Page.Context.StorageStateAsync() });
        var pages = new List<IPage>();
        foreach (var id in accepted.Take(Circuits))
        {
            var page = await signedIn.NewPageAsync();
            page.SetDefaultTimeout(60_000);
            await page.GotoAsync(new Uri(_factory.ServerAddress, $"/gallery/{id}").ToString());
            pages.Add(page);
        }
        foreach (var (page, id) in pages.Zip(accepted))
            await Assertions.Expect(page.Locator($"[data-id='{id}'][data-status='Succeeded'] #video-0")).ToBeVisibleAsync(new() { Timeout = 240_000 });

        var ended = new List<JobDto>();
        foreach (var id in accepted) ended.Add(await JobPolls.WaitForEndAsync(client, id, ct));
        Assert.All(ended, job => Assert.Equal(JobStatus.Succeeded, job.Status));
        var totalSeconds = clock.Elapsed.TotalSeconds;
        var overtakes = AssertRoundRobin(ended, ownerOf, queuedBy);
        var perUser = string.Join(", ", Enumerable.Range(0, Users).Select(u => ownerOf.Values.Count(o => o == u).ToString(CultureInfo.InvariantCulture)));
        GC.Collect();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        // Finished jobs keep nothing in memory but their last progress record (without preview).
        Assert.True(heapAfter - heapBefore < 256L * 1024 * 1024, $"Managed heap grew by {(heapAfter - heapBefore) / 1048576.0:F0} MB.");

        var report = string.Create(CultureInfo.InvariantCulture,
            $"Load run: {Submissions} concurrent submissions in {submitSeconds:F1} s: {accepted.Count} accepted, {refused} refused (queue full). " +
            $"{Circuits} browser circuits followed jobs to the end. All {accepted.Count} jobs succeeded in {totalSeconds:F1} s; " +
            $"{Users} users (accepted per user: {perUser}) served round-robin: at most {overtakes} job of any other user started ahead of a waiting job. " +
            $"Managed heap {heapBefore / 1048576.0:F0} MB before, {heapAfter / 1048576.0:F0} MB after; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB (test process incl. server).");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(BrowserSession.ScreenshotFolder, "..", "load-run.txt"), report, ct);
    }

    /// <summary>
    /// Submission i comes from this user: in blocks (user0's ten first, then user1's…), so a first-come-first-served
    /// queue would run one user's jobs back to back and fail the round-robin check.
    /// </summary>
    private static int UserOf(int submission) => submission * Users / Submissions;

    /// <summary>
    /// From the stored start times, with one worker: while a job of user U waited (from when its submission was
    /// answered, or from U's previous start if later), each other user started at most one job. Returns the most any
    /// user overtook by.
    /// </summary>
    private static int AssertRoundRobin(IReadOnlyList<JobDto> jobs, Dictionary<Guid, int> ownerOf, Dictionary<Guid, DateTime> queuedBy)
    {
        var worst = 0;
        foreach (var mine in jobs.GroupBy(j => ownerOf[j.Id]))
        {
            DateTime? previousStart = null;
            foreach (var job in mine.OrderBy(j => j.StartedUtc))
            {
                var waitingSince = previousStart is { } p && p > queuedBy[job.Id] ? p : queuedBy[job.Id];
                var ahead = jobs.Where(other => ownerOf[other.Id] != mine.Key && other.StartedUtc > waitingSince && other.StartedUtc < job.StartedUtc)
                    .GroupBy(other => ownerOf[other.Id]).ToList();
                foreach (var group in ahead)
                {
                    var starts = string.Join(", ", group.Select(g => g.StartedUtc?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)));
                    Assert.True(group.Count() <= 1, string.Create(CultureInfo.InvariantCulture,
                        $"user{mine.Key}'s job {job.Id} (waiting since {waitingSince:HH:mm:ss.fff}, started {job.StartedUtc:HH:mm:ss.fff}) waited behind {group.Count()} jobs of user{group.Key}, started {starts}."));
                    worst = Math.Max(worst, group.Count());
                }
                previousStart = job.StartedUtc;
            }
        }
        // Which submissions the queue limit refused is up to the race, so not every user need have a job in.
        Assert.True(jobs.Select(j => ownerOf[j.Id]).Distinct().Count() >= 2, "Fewer than two users had a job accepted, so fairness across them was not exercised.");
        return worst;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
