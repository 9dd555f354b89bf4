using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Api;

/// <summary>
/// Turns what an /api handler throws into RFC 7807 problem details with the right status, instead of the HTML error
/// page: that page is re-executed with the request's method, so a DELETE that failed answered 405. A refusal the user
/// can act on (<see cref="UserFacingException"/>: input, pack, license, memory, queue, quota, ffmpeg) answers its own
/// status, title and message, with the field it names, its facts and its Retry-After; handlers let them reach here
/// rather than catching each type. A full disk is 507
/// with the message the worker gives; a body or parameter that cannot be bound is 400 (or Kestrel's 413) naming the
/// field but no .NET type; anything else is a 500 that points at the server log. Binding failures reach here because
/// route handlers throw on bad requests in every environment (see HostingExtensions).
/// </summary>
internal sealed partial class ApiFailureMiddleware(RequestDelegate next, MediaStore media, ILogger<ApiFailureMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            await (ex is UserFacingException refusal ? Refusal(refusal, context.Response) : Failure(ex, context)).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private static IResult Refusal(UserFacingException refusal, HttpResponse response)
    {
        if (refusal.RetryAfterSeconds is { } seconds) response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return refusal.Field is { } field
            ? JobsApi.FieldProblem(field, refusal.Message, refusal.Status, refusal.Title)
            : TypedResults.Problem(refusal.Message, statusCode: refusal.Status, title: refusal.Title, extensions: refusal.Facts);
    }

    private IResult Failure(Exception ex, HttpContext context)
    {
        var (status, title, detail, field) = Describe(ex, context);
        if (status == StatusCodes.Status500InternalServerError) Log.Unexpected(logger, context.Request.Method, context.Request.Path, ex);
        else if (status == StatusCodes.Status507InsufficientStorage) Log.DiskFull(logger, context.Request.Method, context.Request.Path, media.DataFolder);
        return field is null
            ? TypedResults.Problem(detail, statusCode: status, title: title)
            : JobsApi.FieldProblem(field, detail, status);
    }

    private (int Status, string Title, string Detail, string? Field) Describe(Exception ex, HttpContext context)
    {
        if (StorageFull.Is(ex))
            return (StatusCodes.Status507InsufficientStorage, "Disk full", StorageFull.Message(media.DataFolder, "try again"), null);
        if (ex is BadHttpRequestException bad)
        {
            if (bad.InnerException is JsonException json)
            {
                var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
                return (StatusCodes.Status400BadRequest, "Invalid request", field is null
                    ? "The JSON body could not be read: it is malformed or not an object. See /openapi/v1.json for this call's body."
                    : $"'{field}' in the JSON body has the wrong type. See /openapi/v1.json for this call's body.", field ?? "body");
            }
            if (BoundParameter().Match(bad.Message) is { Success: true } parameter)
            {
                var name = parameter.Groups["name"].Value;
                var value = parameter.Groups["value"].Success ? $", but is '{parameter.Groups["value"].Value}'" : " and is missing";
                return (StatusCodes.Status400BadRequest, "Invalid request", $"'{name}' must be a valid value of its kind (see /openapi/v1.json){value}.", name);
            }
            return (bad.StatusCode, "Invalid request", bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ImageLoader.TooLarge(null, context.Request.ContentLength, context.RequestServices.GetRequiredService<IOptions<SvdWebOptions>>().Value.ImageLimits()).Message
                : "The request could not be read. See /openapi/v1.json for this call.", null);
        }
        return (StatusCodes.Status500InternalServerError, "Unexpected error",
            $"The server failed on this request ({ex.GetType().Name}); the server log has the details (look for {context.Request.Method} {context.Request.Path}). Try again, or tell the server's admin.", null);
    }

    // ASP.NET's binding messages: Failed to bind parameter "Nullable<int> index" from "x". / Required parameter "int id" was not provided ...
    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"(?: from \"(?<value>[^\"]*)\")?")]
    private static partial Regex BoundParameter();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "{Method} {Path} failed unexpectedly.")]
        public static partial void Unexpected(ILogger logger, string method, string path, Exception exception);

        [LoggerMessage(2, LogLevel.Error, "{Method} {Path} refused: the disk holding the data folder ({DataFolder}) is full.")]
        public static partial void DiskFull(ILogger logger, string method, string path, string dataFolder);
    }
}
