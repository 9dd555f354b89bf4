using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>The startup audit flags rows whose files vanished and leaves unknown folders alone.</summary>
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

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
