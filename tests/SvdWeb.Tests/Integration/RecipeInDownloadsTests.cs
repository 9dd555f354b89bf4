using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Video;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>Every file a finished job can be downloaded as carries the recipe the REST API returns for it (real ffmpeg).</summary>
public sealed class RecipeInDownloadsTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Fact]
    public async Task Downloads_EveryFormatAndFrame_CarryTheApisRecipeThePackHashAndTheItem()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
        var accepted = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        var job = await JobPolls.WaitForEndAsync(client, accepted.Id, ct);
        Assert.True(job.Status == JobStatus.Succeeded, job.Error);
        using var api = JsonDocument.Parse(await client.GetStringAsync($"/api/jobs/{job.Id}", ct));
        var expected = new RecipeStamp(SvdRecipe.FromJson(api.RootElement.GetProperty("recipe").GetRawText()), job.ModelHash, job.Id);

        foreach (var query in new[] { "", "?format=webm", "?format=gif", "?format=webp&loop=pingpong", "?format=mp4&loop=pingpong" })
        {
            var path = Path.Combine(_factory.DataFolder, $"download-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(path, await client.GetByteArrayAsync($"/api/jobs/{job.Id}/video{query}", ct), ct);
            Assert.Equal(expected, await RecipeReader.ReadAsync(path, ImageLimits.Default, ct));
        }
        await using var zip = new ZipArchive(new MemoryStream(await client.GetByteArrayAsync($"/api/jobs/{job.Id}/frames.zip", ct)));
        Assert.NotEmpty(zip.Entries);
        foreach (var entry in zip.Entries)
        {
            using var frame = new MemoryStream();
            await using (var stream = await entry.OpenAsync(ct)) await stream.CopyToAsync(frame, ct);
            Assert.Equal(expected, await RecipeReader.ReadAsync(frame.ToArray(), entry.Name, ImageLimits.Default, ct));
        }
        Assert.Equal("tiny-svd", expected.Model);
    }

    public void Dispose() => _factory.Dispose();
}
