using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Browser;
using SvdWeb.Tests.Integration;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Load;

/// <summary>
/// A bounded load run on loopback: 50 concurrent API submissions against a queue limit of 30, then 20 browser circuits
/// following jobs live. Every submission is either accepted and completes, or refused with a reason; managed memory
/// stays bounded. The figures go to the test output (reported on the issue), not into assertions on time.
/// </summary>
public sealed class LoadRunTests : IAsyncLifetime
{
    private const int Submissions = 50, QueueLimit = 30, Circuits = 20;
    private readonly SvdWebFactory _factory = new(kestrel: true, settings: new Dictionary<string, string?>
    {
        ["SvdWeb:MaxQueuedJobs"] = QueueLimit.ToString(CultureInfo.InvariantCulture),
        // All submissions come from the one local user; this run measures the global limit, not the per-user one.
        ["SvdWeb:MaxQueuedJobsPerUser"] = Submissions.ToString(CultureInfo.InvariantCulture),
    });

    public ValueTask InitializeAsync()
    {
        _factory.StartServer();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ConcurrentSubmissionsAndCircuits_EveryJobCompletesOrIsRefusedWithReason()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new HttpClient { BaseAddress = _factory.ServerAddress, Timeout = TimeSpan.FromMinutes(5) };
        var image = await File.ReadAllBytesAsync(Fixtures.Image("logo_128x64.png"), ct);
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();

        var responses = await Task.WhenAll(Enumerable.Range(0, Submissions).Select(i => client.PostAsync("/api/jobs",
            JobsApiTests.Form(Fixtures.Image("logo_128x64.png"), $$"""{"numFrames":2,"numInferenceSteps":2,"decodeChunkSize":2,"seed":{{i}}}"""), ct)));
        var submitSeconds = clock.Elapsed.TotalSeconds;

        var accepted = new List<Guid>();
        var refused = 0;
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((await response.Content.ReadFromJsonAsync<JobDto>(JobsApiTests.Json, ct))!.Id);
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
        var pages = new List<IPage>();
        foreach (var id in accepted.Take(Circuits))
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(new Uri(_factory.ServerAddress, $"/gallery/{id}").ToString());
            pages.Add(page);
        }
        foreach (var (page, id) in pages.Zip(accepted))
            await Assertions.Expect(page.Locator($"[data-id='{id}'][data-status='Succeeded'] #video-0")).ToBeVisibleAsync(new() { Timeout = 240_000 });

        foreach (var id in accepted)
            Assert.Equal(GenerationStatus.Succeeded, (await JobsApiTests.WaitForEndAsync(client, id, ct)).Status);
        var totalSeconds = clock.Elapsed.TotalSeconds;
        GC.Collect();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        // Finished jobs keep nothing in memory but their last progress record (without preview).
        Assert.True(heapAfter - heapBefore < 256L * 1024 * 1024, $"Managed heap grew by {(heapAfter - heapBefore) / 1048576.0:F0} MB.");

        var report = string.Create(CultureInfo.InvariantCulture,
            $"Load run: {Submissions} concurrent submissions in {submitSeconds:F1} s: {accepted.Count} accepted, {refused} refused (queue full). " +
            $"{Circuits} browser circuits followed jobs to the end. All {accepted.Count} jobs succeeded in {totalSeconds:F1} s. " +
            $"Managed heap {heapBefore / 1048576.0:F0} MB before, {heapAfter / 1048576.0:F0} MB after; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MB (test process incl. server).");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(BrowserSession.ScreenshotFolder, "..", "load-run.txt"), report, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
