using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// The startup audit flags rows whose files vanished and leaves unknown folders alone; attempt folders a lost run left
/// go.
/// </summary>
public sealed class MediaAuditTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-audit-").FullName;

    [Fact]
    public async Task Restart_VideoDeletedAndStrayFolder_RowFlaggedFolderKept()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid id;
        using (var first = new SvdWebFactory(_data))
        {
            var client = first.CreateClient();
            var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
            id = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.JobDto>(response.Content, JobRequests.Json, ct))!.Id;
            Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, id, ct)).Status);
        }
        File.Delete(Path.Combine(_data, "media", id.ToString("N"), "video_0.mp4"));
        var stray = Directory.CreateDirectory(Path.Combine(_data, "media", "0123456789abcdef0123456789abcdef")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stray, "input.png"), "kept", ct);

        using var second = new SvdWebFactory(_data);
        var restarted = second.CreateClient();
        var page = await restarted.GetStringAsync($"/gallery/{id}", ct);

        await using var db = await second.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var row = await db.Jobs.SingleAsync(g => g.Id == id, ct);
        Assert.Equal("video_0.mp4", row.MissingFiles);
        Assert.Equal(JobStatus.Succeeded, row.Status);
        Assert.Contains("detail-missing-files", page, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(stray, "input.png")), "The audit must never delete files it does not know.");
    }

    [Fact]
    public async Task Restart_LostAttemptsFolderInASucceededItem_RemovedLoggedItemsFilesKept()
    {
        var ct = TestContext.Current.CancellationToken;
        Guid id;
        using (var first = new SvdWebFactory(_data))
        {
            var client = first.CreateClient();
            var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
            id = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.JobDto>(response.Content, JobRequests.Json, ct))!.Id;
            Assert.Equal(JobStatus.Succeeded, (await JobPolls.WaitForEndAsync(client, id, ct)).Status);
        }
        var folder = Path.Combine(_data, "media", id.ToString("N"));
        var before = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray();
        // A worker killed after its job was taken over, mid-write: nobody else removes its folder.
        var lost = Directory.CreateDirectory(Path.Combine(folder, "attempt-7")).FullName;
        await File.WriteAllTextAsync(Path.Combine(lost, "video_0.mp4"), "a lost run's", ct);

        using var second = new SvdWebFactory(_data);
        _ = second.Server;

        Assert.False(Directory.Exists(lost));
        Assert.Equal(before, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray());
        Assert.NotEqual("a lost run's", await File.ReadAllTextAsync(Path.Combine(folder, "video_0.mp4"), ct));
        Assert.Contains(second.Logs.Entries, e => e.Message.Contains($"{id:N}/attempt-7", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
