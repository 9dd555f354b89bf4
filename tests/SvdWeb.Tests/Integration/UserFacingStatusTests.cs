using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Inference;
using SvdWeb.Inference.Video;
using SvdWeb.Jobs;
using SvdWeb.Options;
using SvdWeb.Storage;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// Every refusal the app and the library throw answers /api with its own status, title and message through
/// ApiFailureMiddleware, the one catch the API has. The table is checked against the assemblies: a new
/// <see cref="UserFacingException"/> fails here until it is added with the status its callers expect.
/// </summary>
public sealed class UserFacingStatusTests : IDisposable
{
    private static readonly GpuUsage Used = new(3600.4, 3600, new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));

    // The statuses and titles the API answered before the base existed (one catch per type in JobsApi and ModelsApi).
    public static TheoryData<UserFacingException, int, string> Refusals => new()
    {
        { new SvdInputException("numFrames", "numFrames must be between 2 and 25, but is 40."), 400, "Invalid request" },
        { new ModelPackException("models/tiny", "unet.onnx is missing."), 422, "The model pack cannot be used" },
        { new FfmpegException("ffmpeg was not found."), 503, "ffmpeg missing" },
        { new GpuOutOfMemoryException("UNet", new InvalidOperationException("CUDA out of memory")), 503, "Out of GPU memory" },
        { new InsufficientGpuMemoryException("The recipe needs 30 GB; the GPU has 24 GB."), 422, "Not enough GPU memory" },
        { new PackLicenseNotAcceptedException("tiny", "LICENSE"), 403, "Model pack license not accepted" },
        { new NotADraftException(Guid.Empty), 409, "Not a draft" },
        { new QueueFullException(50), 503, "Queue full" },
        { new UserQueueLimitException(5, 5), 429, "Too many waiting jobs" },
        { new GpuQuotaException(Used, Used.ResetsUtc.AddMinutes(-90)), 429, "Daily GPU quota used" },
        { new AccountException("An account named 'alice' already exists."), 400, "Account change refused" },
    };

    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-refusals-").FullName;

    [Fact]
    public void Table_CoversEveryUserFacingExceptionOfTheAppAndTheLibrary()
    {
        var listed = Refusals.Select(row => row.Data.Item1.GetType()).OrderBy(t => t.FullName, StringComparer.Ordinal);

        Assert.Equal(DerivedTypes.ConcreteOf(typeof(UserFacingException), typeof(UserFacingException).Assembly, typeof(JobService).Assembly), listed);
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Thrown_ApiAnswersItsStatusTitleAndMessage(UserFacingException refusal, int status, string title)
    {
        var context = await InvokeAsync(refusal);

        Assert.Equal((status, title), (refusal.Status, refusal.Title));
        Assert.Equal(status, context.Response.StatusCode);
        using var problem = await ReadBodyAsync(context);
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
        Assert.Equal(refusal.Message, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task InputRefusal_ProblemNamesTheField()
    {
        var refusal = new SvdInputException("numFrames", "numFrames must be between 2 and 25, but is 40.");

        var context = await InvokeAsync(refusal);

        using var problem = await ReadBodyAsync(context);
        Assert.Equal([refusal.Message], problem.RootElement.GetProperty("errors").GetProperty("numFrames").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task QuotaRefusal_RetryAfterAndTheUsageFacts()
    {
        var refusal = new GpuQuotaException(Used, Used.ResetsUtc.AddMinutes(-90));

        var context = await InvokeAsync(refusal);

        Assert.Equal("5400", context.Response.Headers.RetryAfter.ToString());
        using var problem = await ReadBodyAsync(context);
        Assert.Equal(3600, problem.RootElement.GetProperty("usedSeconds").GetDouble());
        Assert.Equal(3600, problem.RootElement.GetProperty("limitSeconds").GetInt32());
        Assert.Equal(Used.ResetsUtc, problem.RootElement.GetProperty("resetsUtc").GetDateTime().ToUniversalTime());
    }

    private async Task<DefaultHttpContext> InvokeAsync(Exception thrown)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "POST";
        context.Request.Path = "/api/jobs";
        context.Response.Body = new MemoryStream();
        var media = new MediaStore(Microsoft.Extensions.Options.Options.Create(new SvdWebOptions { DataFolder = _data }), new HostingEnvironment { ContentRootPath = _data });
        var middleware = new ApiFailureMiddleware(_ => throw thrown, media, NullLogger<ApiFailureMiddleware>.Instance);
        await middleware.InvokeAsync(context);
        return context;
    }

    private static async Task<JsonDocument> ReadBodyAsync(DefaultHttpContext context)
    {
        context.Response.Body.Position = 0;
        return await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: TestContext.Current.CancellationToken);
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
