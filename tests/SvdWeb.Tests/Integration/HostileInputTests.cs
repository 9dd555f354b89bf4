using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SvdWeb.Api;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// Uploads a shared server must survive: each is answered with a problem naming the field and the cause, and nothing
/// is stored (no row, no media folder). Kestrel on loopback, so request-size limits apply as in production.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const long UploadLimit = 2 * 1024 * 1024;
    private readonly SvdWebFactory _factory = new(kestrel: true, settings: new Dictionary<string, string?> { ["SvdWeb:MaxUploadBytes"] = UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _factory.StartServer();
        _client = new HttpClient { BaseAddress = _factory.ServerAddress, Timeout = TimeSpan.FromMinutes(1) };
        return ValueTask.CompletedTask;
    }

    public static TheoryData<string, byte[], string> BadImages => new()
    {
        { "bomb.png", TestImages.PngHeader(100_000, 100_000), "is 100000x100000 (10000.0 megapixels); the limit is 40.0 megapixels" },
        { "cut.png", File.ReadAllBytes(Fixtures.Image("wizard_301x173.png"))[..20_000], "could not be decoded: the file is damaged or truncated" },
        { "vector.png", Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "is not an image SvdWeb can read" },
        { "empty.png", [], "is empty (0 bytes)" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task Submit_HostileImage_RefusedWithReasonAndNothingStored(string name, byte[] bytes, string expected)
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _client.PostAsync("/api/jobs", Form(bytes, name, """{"seed":1}"""), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await ImageErrorAsync(response, ct), StringComparison.Ordinal);
        await AssertNothingStoredAsync(ct);
    }

    [Fact]
    public async Task Submit_FileNameWithTraversal_NameNeverReachesAPath()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _client.PostAsync("/api/jobs", Form(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "../../../etc/cron.d/x.png", """{"numInferenceSteps":1,"numFrames":2,"seed":1}"""), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        Assert.Equal("x.png", job.InputFileName);
        // Everything the job wrote is inside its app-named folder.
        var media = Path.Combine(_factory.DataFolder, "media");
        Assert.Equal([job.Id.ToString("N")], Directory.GetDirectories(media).Select(Path.GetFileName));
        Assert.Equal("input.png", Path.GetFileName(Assert.Single(Directory.GetFiles(Path.Combine(media, job.Id.ToString("N"))))));
        Assert.False(File.Exists(Path.Combine(_factory.DataFolder, "..", "etc", "cron.d", "x.png")));
        await JobPolls.WaitForEndAsync(_client, job.Id, ct);
    }

    [Fact]
    public async Task Submit_DeclaredTwoGigabytes_RefusedBeforeTheBodyIsRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = new GeneratedStream(totalBytes: 2L * 1024 * 1024 * 1024);
        var content = new StreamContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        content.Headers.ContentLength = body.Length;

        HttpResponseMessage? response = null;
        try
        {
            response = await _client.PostAsync("/api/jobs", content, ct);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending: also a refusal.
        }

        if (response is not null) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(body.Served < 64L * 1024 * 1024, $"The client got to send {body.Served} bytes of a 2 GB upload.");
        await AssertNothingStoredAsync(ct);
    }

    [Fact]
    public async Task Submit_ChunkedUploadOverLimit_StoppedWhileStreaming()
    {
        var ct = TestContext.Current.CancellationToken;
        // No Content-Length: the server only finds out by reading, and must stop at the limit.
        var body = new GeneratedStream(totalBytes: 200L * 1024 * 1024, prefix: Encoding.ASCII.GetBytes("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n"));
        var content = new StreamContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        HttpResponseMessage? response = null;
        try
        {
            response = await _client.SendAsync(request, ct);
        }
        catch (HttpRequestException)
        {
            // Connection closed mid-upload: a refusal too.
        }

        if (response is not null) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.True(body.Served < 64L * 1024 * 1024, $"The server read {body.Served} bytes of an upload over its {UploadLimit}-byte limit.");
        await AssertNothingStoredAsync(ct);
    }

    [Theory]
    [InlineData("""{"numFrames":0}""", "numFrames", "numFrames must be between 1 and 128")]
    [InlineData("""{"fps":1000}""", "fps", "fps must be between 1 and 120")]
    [InlineData("""{"noiseAugStrength":"lots"}""", "noiseAugStrength", "not valid JSON for SvdWeb")]
    [InlineData("""{"motionBucketId":1e99}""", "motionBucketId", "not valid JSON for SvdWeb")]
    [InlineData("""{"model":"../../etc"}""", "model", "There is no model pack '../../etc'")]
    [InlineData("""{"height":64.5}""", "height", "'height' must be a whole number")]
    [InlineData("""{"numFrames":99999999999}""", "numFrames", "'numFrames' must be a whole number (at most 2147483647)")]
    [InlineData("""{"fit":"zoom"}""", "fit", "'fit' must be one of stretch, crop, pad")]
    [InlineData("""{"fit":7}""", "fit", "'fit' must be one of stretch, crop, pad")]
    [InlineData("""{"frames":14}""", "frames", "'frames' is not a recipe field. The fields are model, height, width, numFrames")]
    [InlineData("""[1]""", "recipe", "must be a JSON object")]
    public async Task Submit_BadParameter_RefusedNamingFieldAndNothingStored(string recipe, string field, string expected)
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _client.PostAsync("/api/jobs", Form(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo.png", recipe), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(ct);
        // The recipe's own terms, never .NET's (System.Nullable`1[System.Int32], SvdWeb.Inference.Imaging.FitMode).
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("SvdWeb.", body, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Contains(expected, problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAsync(ct);
    }

    [Fact]
    public async Task Media_ServedWithFixedTypeAndNoSniff()
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await _client.PostAsync("/api/jobs", Form(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "x.html", """{"numInferenceSteps":1,"numFrames":2,"seed":1}"""), ct);
        var job = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;

        var input = await _client.GetAsync($"/api/jobs/{job.Id}/input.png", ct);

        // Whatever the upload was called, it is served as the PNG the server wrote, never as text/html.
        Assert.Equal("image/png", input.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", input.Headers.GetValues("X-Content-Type-Options").Single());
        await JobPolls.WaitForEndAsync(_client, job.Id, ct);
    }

    private async Task AssertNothingStoredAsync(CancellationToken ct)
    {
        var page = await _client.GetFromJsonAsync<JsonElement>("/api/gallery", JobRequests.Json, ct);
        Assert.Equal(0, page.GetProperty("total").GetInt32());
        Assert.Empty(Directory.GetDirectories(Path.Combine(_factory.DataFolder, "media")));
    }

    private static async Task<string> ImageErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return problem.RootElement.GetProperty("errors").GetProperty("image")[0].GetString()!;
    }

    private static MultipartFormDataContent Form(byte[] image, string fileName, string recipe)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", fileName);
        form.Add(new StringContent(recipe), "recipe");
        return form;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
