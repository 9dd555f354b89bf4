using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// Every /api failure is RFC 7807 problem details with the right status and a detail naming the field and the fix,
/// never a bare status, an HTML page or a .NET type name. Real host, tiny pack, real SQLite file.
/// </summary>
public sealed class ApiProblemTests : IDisposable
{
    private readonly SvdWebFactory _factory = new(settings: new Dictionary<string, string?> { ["SvdWeb:MaxUploadBytes"] = "1048576" });

    [Fact]
    public async Task Gallery_StatusAsTheApiWritesIt_Accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var succeeded = await client.GetAsync("/api/gallery?status=succeeded", ct);
        var pascal = await client.GetAsync("/api/gallery?status=Failed", ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (succeeded.StatusCode, pascal.StatusCode));
    }

    [Theory]
    [InlineData("/api/gallery?status=done", "status", "succeeded")]
    [InlineData("/api/gallery?status=3", "status", "succeeded")]
    [InlineData("/api/gallery?page=99999999999", "page", "whole number")]
    [InlineData("/api/gallery?page=two", "page", "whole number")]
    [InlineData("/api/gallery?pageSize=1e3", "pageSize", "whole number")]
    public async Task Gallery_BadQueryValue_ProblemNamesTheField(string url, string field, string expected)
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().GetAsync(url, ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, field, expected, ct);
    }

    [Fact]
    public async Task Gallery_PageFarPastTheEnd_EmptyPageNotAnOverflow()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        await SubmitAsync(client, ct);

        var page = await client.GetFromJsonAsync<PageDto<JobDto>>($"/api/gallery?page={int.MaxValue}&pageSize=200", JobRequests.Json, ct);

        Assert.Empty(page!.Items);
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task Private_EmptyObject_RefusedAndItemStaysPrivate()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var id = await SubmitAsync(client, ct);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/jobs/{id}/private", new { @private = true }, ct)).StatusCode);

        var response = await client.PostAsync($"/api/jobs/{id}/private", new StringContent("{}", Encoding.UTF8, "application/json"), ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "private", "missing", ct);
        Assert.True((await client.GetFromJsonAsync<JobDto>($"/api/jobs/{id}", JobRequests.Json, ct))!.IsPrivate);
    }

    [Theory]
    [InlineData("private", """{"private": "yes"}""")]
    [InlineData("to", """{"to": 5}""")]
    public async Task JsonBody_WrongTypedField_ProblemNamesFieldWithoutDotNetTypes(string field, string body)
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var id = await SubmitAsync(client, ct);
        var call = field == "private" ? "private" : "move";

        var response = await client.PostAsync($"/api/jobs/{id}/{call}", new StringContent(body, Encoding.UTF8, "application/json"), ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, field, "wrong type", ct);
    }

    [Fact]
    public async Task Video_IndexNotANumber_ProblemNamesIndexWithoutDotNetTypes()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().GetAsync($"/api/jobs/{Guid.NewGuid()}/video?index=first", ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "index", "'first'", ct);
    }

    [Fact]
    public async Task Submit_JsonBody_415SaysToSendMultipart()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().PostAsync("/api/jobs", new StringContent("""{"seed":1}""", Encoding.UTF8, "application/json"), ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("multipart/form-data", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_JustOverTheUploadLimit_413AndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[1_500_000]), "image", "big.png" } };

        var response = await _factory.CreateClient().PostAsync("/api/jobs", form, ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "image", "SvdWeb:MaxUploadBytes", ct);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_factory.DataFolder, "media")));
    }

    [Fact]
    public async Task Submit_OnePixelHigh_RefusedWithTheSmallestSizeThatWorks()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().PostAsync("/api/jobs", Png(40, 1), ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "image", "at least 2 pixels wide and high", ct);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_factory.DataFolder, "media")));
    }

    [Fact]
    public async Task Submit_TwoPixelsHigh_Runs()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var response = await client.PostAsync("/api/jobs", Png(40, 2), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await JobPolls.WaitForEndAsync(client, (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id, ct);
        Assert.True(job.Status == JobStatus.Succeeded, job.Error);
    }

    [Fact]
    public async Task Submit_CropWouldLeaveOnePixel_RefusedNamingFit()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().PostAsync("/api/jobs", Png(2, 40, """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":2,"fit":"crop"}"""), ct);

        await AssertFieldProblemAsync(response, HttpStatusCode.BadRequest, "fit", "stretch or pad", ct);
    }

    [Fact]
    public async Task UnknownCall_404ProblemPointsAtTheOpenApiDocument()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().GetAsync("/api/nothing-here", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/openapi/v1.json", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    private static MultipartFormDataContent Png(int width, int height, string recipe = """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":2,"decodeChunkSize":2,"seed":1}""")
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 40, 90));
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        return new MultipartFormDataContent { { new ByteArrayContent(buffer.ToArray()), "image", "thin.png" }, { new StringContent(recipe), "recipe" } };
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!.Id;
    }

    private static async Task AssertFieldProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field, string expected, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var message = problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString();
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Nullable", body, StringComparison.Ordinal);
    }

    public void Dispose() => _factory.Dispose();
}
