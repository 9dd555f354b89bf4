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

/// <summary>
/// Sweeps on the real host (README, "Sweeps"): POST /api/sweeps queues one job per cell through the single-job
/// checks, all or nothing; GET /api/sweeps/{id} lists the cells; grid.mp4 is 409 until every cell succeeded, then the
/// side-by-side video made by the real ffmpeg.
/// </summary>
public sealed class SweepsApiTests : IDisposable
{
    private readonly SvdWebFactory _factory = new(settings: new Dictionary<string, string?> { ["SvdWeb:MaxQueuedJobsPerUser"] = "3" });

    [Fact]
    public async Task Submit_TwoMotionValues_TwoJobsThenTheGridIs409UntilBothSucceededThenAColumnsByRowsMp4()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await SubmitAsync(client, JobRequests.SmallRecipe, ct, "motionBucketId=60,200");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sweep = (await response.Content.ReadFromJsonAsync<SweepDto>(JobRequests.Json, ct))!;
        Assert.Equal($"/api/sweeps/{sweep.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("motionBucketId", sweep.Columns.Parameter);
        Assert.Equal([60.0, 200.0], sweep.Columns.Values);
        Assert.Null(sweep.Rows);
        Assert.Equal([(0, 0, "motion 60"), (0, 1, "motion 200")], sweep.Cells.Select(c => (c.Row, c.Column, c.Label)));
        Assert.False(sweep.GridReady);
        // The second cell cannot have run yet: the grid waits for both.
        var early = await client.GetAsync($"/api/sweeps/{sweep.Id}/grid.mp4", ct);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("once every cell has succeeded", await early.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        var jobs = new List<JobDto>();
        foreach (var cell in sweep.Cells) jobs.Add(await JobPolls.WaitForEndAsync(client, cell.JobId, ct));

        Assert.All(jobs, j => Assert.True(j.Status == JobStatus.Succeeded, j.Error));
        Assert.Equal([60, 200], jobs.Select(j => j.Recipe.MotionBucketId));
        // Everything else is the one recipe, seed included.
        Assert.Equal(jobs[0].Recipe with { MotionBucketId = 200 }, jobs[1].Recipe);
        Assert.All(jobs, j => Assert.Equal(sweep.Id, j.SweepId));
        var done = (await client.GetFromJsonAsync<SweepDto>($"/api/sweeps/{sweep.Id}", JobRequests.Json, ct))!;
        Assert.True(done.GridReady);
        Assert.All(done.Cells, c => Assert.Equal(JobStatus.Succeeded, c.Status));

        var grid = await client.GetAsync($"/api/sweeps/{sweep.Id}/grid.mp4", ct);

        Assert.Equal(HttpStatusCode.OK, grid.StatusCode);
        Assert.Equal("video/mp4", grid.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"svdweb-sweep-{sweep.Id:N}.mp4", grid.Content.Headers.ContentDisposition?.FileNameStar ?? grid.Content.Headers.ContentDisposition?.FileName);
        var path = Path.Combine(Directory.CreateTempSubdirectory("svdweb-sweep-").FullName, "grid.mp4");
        await File.WriteAllBytesAsync(path, await grid.Content.ReadAsByteArrayAsync(ct), ct);
        var info = await FfprobeInfo.ReadAsync(path, ct);
        Assert.Equal(("h264", 2 * 128, 1 * 64, 4), (info.Codec, info.Width, info.Height, info.Frames));
        Assert.Contains(await ListAsync(client, ct), s => s.Id == sweep.Id);
    }

    [Fact]
    public async Task Submit_TwoSettings_RowsTimesColumnsCellsEachWithBothValues()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var roomy = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:MaxQueuedJobsPerUser"] = "10" });
        var client = roomy.CreateClient();

        var response = await SubmitAsync(client, JobRequests.SmallRecipe, ct, "seed=1,2,3", "noise_aug_strength=0.02,0.1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sweep = (await response.Content.ReadFromJsonAsync<SweepDto>(JobRequests.Json, ct))!;
        Assert.Equal(6, sweep.Cells.Count);
        Assert.Equal("noiseAugStrength", sweep.Rows?.Parameter);
        var cell = Assert.Single(sweep.Cells, c => c.Row == 1 && c.Column == 2);
        Assert.Equal(3, cell.Values["seed"]);
        Assert.Equal(0.1, cell.Values["noiseAugStrength"], 6);
        var job = (await client.GetFromJsonAsync<JobDto>($"/api/jobs/{cell.JobId}", JobRequests.Json, ct))!;
        Assert.Equal((3L, 0.1f), (job.Recipe.Seed, job.Recipe.NoiseAugStrength));
        foreach (var c in sweep.Cells) await client.PostAsync($"/api/jobs/{c.JobId}/cancel", null, ct);
    }

    [Theory]
    [InlineData(new string[0], "no 'vary' field")]
    [InlineData(new[] { "width=64,128" }, "cannot be varied")]
    [InlineData(new[] { "seed=1,2,3,4,5", "fps=5,6,7,8" }, "20 cells; a sweep has at most 16")]
    [InlineData(new[] { "motionBucketId=10,5000" }, "The cell motion 5000 cannot run")]
    public async Task Submit_BadVary_400NamingVaryAndNothingQueued(string[] vary, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await SubmitAsync(client, JobRequests.SmallRecipe, ct, vary);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Contains(expected, problem.RootElement.GetProperty("errors").GetProperty("vary")[0].GetString(), StringComparison.Ordinal);
        Assert.Empty(await JobRequests.GalleryItemsAsync(client, ct));
    }

    [Fact]
    public async Task Submit_MoreCellsThanTheOwnersQueueRoom_429AndNoCellQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await SubmitAsync(client, JobRequests.SmallRecipe, ct, "seed=1,2,3,4");

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        using (var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)))
            Assert.Contains("the sweep's 4 cells do not fit", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await JobRequests.GalleryItemsAsync(client, ct));
        Assert.Empty(await ListAsync(client, ct));
    }

    [Fact]
    public async Task Get_SomeoneElsesPrivateSweep_404_ItsOwner200_UnknownSweep404()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var bob = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var sweep = (await (await SubmitAsync(alice, JobRequests.SmallRecipe, ct, "fps=6,8")).Content.ReadFromJsonAsync<SweepDto>(JobRequests.Json, ct))!;
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/sweeps/{sweep.Id}", ct)).StatusCode);
        // Bob sees a public sweep but may not change its cells.
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/jobs/{sweep.Cells[0].JobId}/cancel", null, ct)).StatusCode);

        foreach (var cell in sweep.Cells)
            Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync($"/api/jobs/{cell.JobId}/private", new { @private = true }, ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/sweeps/{sweep.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/sweeps/{sweep.Id}/grid.mp4", ct)).StatusCode);
        Assert.DoesNotContain(await ListAsync(bob, ct), s => s.Id == sweep.Id);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/sweeps/{sweep.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/sweeps/{Guid.NewGuid()}", ct)).StatusCode);
        foreach (var cell in sweep.Cells) await alice.PostAsync($"/api/jobs/{cell.JobId}/cancel", null, ct);
    }

    [Fact]
    public async Task Delete_ByAnotherUser403_ByItsOwner204WithEveryCellAndItsFiles_Then404()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var bob = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var sweep = (await (await SubmitAsync(alice, JobRequests.SmallRecipe, ct, "seed=1,2")).Content.ReadFromJsonAsync<SweepDto>(JobRequests.Json, ct))!;
        foreach (var cell in sweep.Cells) await JobPolls.WaitForEndAsync(alice, cell.JobId, ct);
        var jobs = _factory.Services.GetRequiredService<SvdWeb.Jobs.JobService>();
        var media = _factory.Services.GetRequiredService<SvdWeb.Storage.MediaStore>();
        var inputs = new List<string>();
        foreach (var cell in sweep.Cells)
        {
            var job = (await jobs.FindAsync(cell.JobId, ct))!;
            inputs.Add(media.PathOf(job.MediaFolder, job.InputFile));
        }
        Assert.All(inputs, path => Assert.True(File.Exists(path), path));

        var refused = await bob.DeleteAsync($"/api/sweeps/{sweep.Id}", ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Only the sweep's owner or an admin", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.All(inputs, path => Assert.True(File.Exists(path), path));

        var deleted = await alice.DeleteAsync($"/api/sweeps/{sweep.Id}", ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var cell in sweep.Cells)
            Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/jobs/{cell.JobId}", ct)).StatusCode);
        Assert.All(inputs, path => Assert.False(File.Exists(path), path));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/sweeps/{sweep.Id}", ct)).StatusCode);
        Assert.DoesNotContain(await ListAsync(alice, ct), s => s.Id == sweep.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync($"/api/sweeps/{sweep.Id}", ct)).StatusCode);
    }

    [Fact]
    public async Task Grid_AfterACellWasDeleted_410SayingHowManyCellsAreGone()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var sweep = (await (await SubmitAsync(client, JobRequests.SmallRecipe, ct, "motionBucketId=60,200")).Content.ReadFromJsonAsync<SweepDto>(JobRequests.Json, ct))!;
        foreach (var cell in sweep.Cells) Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, cell.JobId, ct)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/jobs/{sweep.Cells[1].JobId}", ct)).StatusCode);

        var grid = await client.GetAsync($"/api/sweeps/{sweep.Id}/grid.mp4", ct);

        Assert.Equal(HttpStatusCode.Gone, grid.StatusCode);
        var body = await grid.Content.ReadAsStringAsync(ct);
        Assert.Contains("application/problem+json", grid.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Contains("has 1 of its 2 cells deleted", body, StringComparison.Ordinal);
        // The page and the API still show the cell that is left.
        var left = (await client.GetFromJsonAsync<SweepDto>($"/api/sweeps/{sweep.Id}", JobRequests.Json, ct))!;
        Assert.Equal([sweep.Cells[0].JobId], left.Cells.Select(c => c.JobId));
        Assert.False(left.GridReady);
    }

    internal static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string recipe, CancellationToken ct, params string[] vary)
    {
        using var form = JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe);
        foreach (var axis in vary) form.Add(new StringContent(axis), "vary");
        return await client.PostAsync("/api/sweeps", form, ct);
    }

    private static async Task<IReadOnlyList<SweepDto>> ListAsync(HttpClient client, CancellationToken ct) =>
        (await client.GetFromJsonAsync<List<SweepDto>>("/api/sweeps", JobRequests.Json, ct))!;

    public void Dispose() => _factory.Dispose();
}
