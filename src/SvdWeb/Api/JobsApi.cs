using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SvdWeb.Accounts;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Video;
using SvdWeb.Jobs;
using SvdWeb.Options;
using SvdWeb.Storage;

namespace SvdWeb.Api;

/// <summary>
/// The REST API (OpenAPI at /openapi/v1.json). Same validation and messages as the UI, since both go through
/// <see cref="JobService"/>; errors are RFC 7807 problem details, and input errors name the field.
/// Media are served with fixed content types and nosniff, from app-generated paths only.
/// </summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapSvdWebApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Kestrel stops reading past this many bytes (413) rather than buffering an oversized upload; the slack is
        // the multipart envelope and the recipe field.
        var bodyLimit = app.ServiceProvider.GetRequiredService<IOptions<SvdWebOptions>>().Value.MaxUploadBytes + 1024 * 1024;
        // Every call may answer 401 (accounts mode, no or a bad token) with a problem; the rest is per route, so the
        // document lists every status a client must handle.
        var api = app.MapGroup("/api").WithTags("SvdWeb").DisableAntiforgery().ProducesProblem(StatusCodes.Status401Unauthorized);
        api.MapPost("/jobs", SubmitAsync).WithName("SubmitJob").AddOpenApiOperationTransformer(ApiDocument.DescribeSubmitForm)
            .WithMetadata(new RequestSizeLimitAttribute(bodyLimit), new RequestFormLimitsAttribute { MultipartBodyLengthLimit = bodyLimit })
            .Produces<JobDto>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/jobs/{id:guid}/final", MakeFinalAsync).WithName("MakeFinalJob")
            .Produces<JobDto>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/jobs/{id:guid}", GetAsync).WithName("GetJob").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/jobs/{id:guid}/cancel", CancelAsync).WithName("CancelJob")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/jobs/{id:guid}/private", SetPrivateAsync).WithName("SetJobPrivate")
            .Produces<JobDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/jobs/{id:guid}/move", MoveAsync).WithName("MoveJob")
            .Produces<JobDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/jobs/{id:guid}/video", VideoAsync).WithName("GetJobVideo")
            .Produces<Stream>(StatusCodes.Status200OK, "video/mp4", "video/webm", "image/gif", "image/webp")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/jobs/{id:guid}/frames.zip", FramesAsync).WithName("GetJobFrames")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        api.MapGet("/jobs/{id:guid}/input.png", InputAsync).WithName("GetJobInput")
            .Produces<Stream>(StatusCodes.Status200OK, "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/jobs/{id:guid}/thumbnail.png", (Guid id, JobService s, MediaStore m, HttpContext c, CancellationToken ct) =>
            PictureAsync(id, MediaStore.ThumbnailFile, "image/png", s, m, c, ct)).WithName("GetJobThumbnail")
            .Produces<Stream>(StatusCodes.Status200OK, "image/png")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/jobs/{id:guid}/preview.gif", (Guid id, JobService s, MediaStore m, HttpContext c, CancellationToken ct) =>
            PictureAsync(id, MediaStore.PreviewFile, "image/gif", s, m, c, ct)).WithName("GetJobPreview")
            .Produces<Stream>(StatusCodes.Status200OK, "image/gif")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/jobs/{id:guid}", DeleteAsync).WithName("DeleteJob")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/gallery", GalleryAsync).WithName("ListGallery")
            .Produces<PageDto<JobDto>>()
            .ProducesValidationProblem();
        api.MapModelsApi();
        api.MapSweepsApi(bodyLimit);
        return app;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, ClaimsPrincipal user, JobService service, IOptions<SvdWebOptions> options, CancellationToken ct)
    {
        // The declared length is checked before reading anything, and ReadImageAsync stops at the limit while
        // streaming, so an oversized upload is never buffered.
        var limits = options.Value.ImageLimits();
        // The form's other parts and boundaries take a little more than the file.
        if (request.ContentLength > limits.MaxBytes + (1024 * 1024))
            return FieldProblem("image", ImageLoader.TooLarge(null, request.ContentLength, limits).Message, StatusCodes.Status413PayloadTooLarge);
        if (!request.HasFormContentType)
            return FieldProblem("image", "Send multipart/form-data with an 'image' file and an optional 'recipe' JSON field.", StatusCodes.Status415UnsupportedMediaType);
        // Before the form is read: someone over a limit gets the answer without the server reading and decoding the upload.
        // Refusals here and below (input, pack, license, memory, queue, quota, ffmpeg) are UserFacingExceptions, which
        // ApiFailureMiddleware answers with their own status.
        await service.EnsureAdmissibleAsync(user.ToJobOwner(), ct).ConfigureAwait(false);

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return FieldProblem("image", $"The form could not be read: {ex.Message}", ex is BadHttpRequestException bad ? bad.StatusCode : 400);
        }
        if (form.Files.GetFile("image") is not { } image)
            return FieldProblem("image", "The form has no 'image' file. Add the picture as a file field named 'image'.");
        if (image.Length > limits.MaxBytes)
            return FieldProblem("image", ImageLoader.TooLarge(JobService.DisplayName(image.FileName), image.Length, limits).Message, StatusCodes.Status413PayloadTooLarge);

        var recipe = form.TryGetValue("recipe", out var json) && !string.IsNullOrWhiteSpace(json) ? SvdRecipe.FromJson(json!) : SvdRecipe.Defaults;
        if (!form.ContainsKey("recipe") || !RecipeHasSeed(form["recipe"]))
            recipe = recipe with { Seed = SvdRecipe.RandomSeed() };
        // Not part of the recipe: it changes no value of the video, only how the server runs it.
        var lowMemory = false;
        if (form.TryGetValue("lowMemory", out var lowMemoryField) && !bool.TryParse(lowMemoryField.ToString(), out lowMemory))
            return FieldProblem("lowMemory", $"'lowMemory' must be true or false, not '{lowMemoryField}'.");
        // How many steps it runs, not what it is meant to make: the recipe keeps its steps for the final.
        var draft = false;
        if (form.TryGetValue("draft", out var draftField) && !bool.TryParse(draftField.ToString(), out draft))
            return FieldProblem("draft", $"'draft' must be true or false, not '{draftField}'.");

        Job job;
        await using (var stream = image.OpenReadStream())
            job = await service.SubmitAsync(stream, image.FileName, recipe, user.ToJobOwner(), ct, lowMemory: lowMemory, draft: draft).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job, null, null));
    }

    /// <summary>Queues the final of a draft the caller may change: its recipe at the steps the draft was made for, a new job.</summary>
    private static async Task<IResult> MakeFinalAsync(Guid id, ClaimsPrincipal user, JobService service, CancellationToken ct)
    {
        var draft = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (draft is null) return NotFound(id);
        if (!Ownership.MayChange(user, draft)) return Forbidden(draft);
        // Not a draft (409), and the checks of any new job, are UserFacingExceptions answered by ApiFailureMiddleware.
        var job = await service.MakeFinalAsync(id, user.ToJobOwner(), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/jobs/{job.Id}", JobDto.From(job, null, null));
    }

    /// <summary>The job if this user may see it: a private item of someone else is absent (404), as if deleted.</summary>
    private static async Task<Job?> FindVisibleAsync(Guid id, ClaimsPrincipal user, JobService service, CancellationToken ct) =>
        await service.FindAsync(id, ct).ConfigureAwait(false) is { } job && Ownership.MaySee(user, job) ? job : null;

    private static async Task<Results<Ok<JobDto>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal user, JobService service, JobProgressBroadcaster broadcaster, QueueEstimator estimator, WorkerRegistry workers, CancellationToken ct)
    {
        var job = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        var queued = job.IsFinished ? null : (await estimator.SnapshotAsync(ct).ConfigureAwait(false)).FirstOrDefault(e => e.Job.Id == id);
        return TypedResults.Ok(JobDto.From(job, broadcaster.Latest(id), queued, await workers.WhyWaitingAsync(job, ct).ConfigureAwait(false)));
    }

    private static async Task<IResult> CancelAsync(Guid id, ClaimsPrincipal user, JobService service, CancellationToken ct)
    {
        var job = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        if (!Ownership.MayChange(user, job)) return Forbidden(job);
        if (!await service.CancelAsync(id, ct).ConfigureAwait(false))
            return TypedResults.Problem($"Job {id} has already ended ({job.Status}); there is nothing to cancel.", statusCode: StatusCodes.Status409Conflict, title: "Not cancellable");
        return TypedResults.Accepted($"/api/jobs/{id}");
    }

    private static async Task<IResult> SetPrivateAsync(Guid id, PrivacyRequest? body, ClaimsPrincipal user, JobService service, CancellationToken ct)
    {
        // A missing field must not read as false: {} would make a private item public.
        if (body?.Private is not { } isPrivate)
            return FieldProblem("private", "Send a JSON body such as {\"private\": true} (or false to make the item public again); \"private\" is missing.");
        var job = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        if (!Ownership.MayChange(user, job)) return Forbidden(job);
        if (!await service.SetPrivateAsync(id, isPrivate, ct).ConfigureAwait(false)) return NotFound(id);
        return TypedResults.Ok(JobDto.From((await service.FindAsync(id, ct).ConfigureAwait(false)) ?? job, null, null));
    }

    private static async Task<IResult> MoveAsync(Guid id, MoveRequest? body, ClaimsPrincipal user, JobService service, QueueEstimator estimator, CancellationToken ct)
    {
        QueueMove? to = body?.To?.Trim().ToLowerInvariant() switch
        {
            "front" => QueueMove.Front,
            "unpin" => QueueMove.Unpin,
            "up" => QueueMove.Up,
            "down" => QueueMove.Down,
            _ => null,
        };
        if (to is null)
            return FieldProblem("to", $"Send a JSON body such as {{\"to\": \"front\"}}; \"to\" is \"front\", \"unpin\", \"up\" or \"down\", but is {(body?.To is null ? "missing" : $"'{body.To}'")}.");
        var job = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        if (!Ownership.MayReorder(user))
            return TypedResults.Problem(Ownership.ReorderRefusal, statusCode: StatusCodes.Status403Forbidden, title: "Admins only");
        if (await service.MoveAsync(id, to.Value, ct).ConfigureAwait(false) is { } refusal)
            return TypedResults.Problem(refusal, statusCode: StatusCodes.Status409Conflict, title: "Not movable");
        var queued = (await estimator.SnapshotAsync(ct).ConfigureAwait(false)).FirstOrDefault(e => e.Job.Id == id);
        return TypedResults.Ok(JobDto.From(queued?.Job ?? job, null, queued));
    }

    /// <summary>
    /// The video as stored (MP4, forward: the defaults, played inline) or in another format or loop, made from its lossless
    /// frames on the first request and cached (<see cref="ShareVideoCache"/>), then sent as a download.
    /// </summary>
    private static async Task<IResult> VideoAsync(Guid id, JobService service, MediaStore media, ShareVideoCache shares, HttpContext context,
        CancellationToken ct, int index = 0, string? format = null, string? loop = null, int interpolate = 1)
    {
        if (!TryParseChoice(format, ShareFormat.Mp4, out ShareFormat shareFormat))
            return FieldProblem("format", $"format must be one of mp4, webm, gif, webp (default mp4), but is '{Shorten(format)}'.");
        if (!TryParseChoice(loop, LoopMode.Forward, out LoopMode loopMode))
            return FieldProblem("loop", $"loop must be forward or pingpong (default forward), but is '{Shorten(loop)}'.");
        if (!ShareEncoder.InterpolationFactors.Contains(interpolate))
            return FieldProblem("interpolate", $"interpolate must be 1, 2 or 4 (times the frames and the frame rate; default 1), but is {interpolate}.");
        if (shareFormat == ShareFormat.Mp4 && loopMode == LoopMode.Forward && interpolate == 1)
            return await MediaAsync(id, index, service, media, context, MediaStore.VideoFile, "video/mp4", null, ct).ConfigureAwait(false);

        var (job, refusal) = await ReadyJobAsync(id, index, service, context, ct).ConfigureAwait(false);
        if (job is null) return refusal!;
        string path;
        try
        {
            path = await shares.GetAsync(job, index, shareFormat, loopMode, ct, interpolate).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return TypedResults.Problem($"The frames of job {id} are missing from the data folder or damaged, so no other format can be made; the item should be regenerated.",
                statusCode: StatusCodes.Status410Gone, title: "File missing");
        }
        catch (FfmpegException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Video encode failed");
        }
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, ShareEncoder.ContentType(shareFormat), ShareEncoder.DownloadName(id, index, shareFormat, loopMode, interpolate),
            enableRangeProcessing: true);
    }

    /// <summary>A query value naming an enum member in lower case (mp4, pingpong); absent means the default.</summary>
    private static bool TryParseChoice<T>(string? text, T fallback, out T value) where T : struct, Enum
    {
        value = fallback;
        if (string.IsNullOrEmpty(text)) return true;
        // By name only, never a number, and only names written the way the API documents them.
        return text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) && !text.All(char.IsAsciiDigit)
            && Enum.TryParse(text, ignoreCase: true, out value);
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 20 ? text[..20] + "…" : text;

    private static async Task<IResult> FramesAsync(Guid id, JobService service, MediaStore media, HttpContext context, CancellationToken ct, int index = 0) =>
        await MediaAsync(id, index, service, media, context, MediaStore.FramesZipFile, "application/zip", $"frames-{id:N}-{index}.zip", ct).ConfigureAwait(false);

    private static async Task<IResult> MediaAsync(Guid id, int index, JobService service, MediaStore media, HttpContext context,
        Func<int, string> file, string contentType, string? downloadName, CancellationToken ct)
    {
        var (job, refusal) = await ReadyJobAsync(id, index, service, context, ct).ConfigureAwait(false);
        if (job is null) return refusal!;
        var path = media.PathOf(job.MediaFolder, file(index));
        if (!File.Exists(path))
            return TypedResults.Problem($"The file of job {id} is missing from the data folder; the item should be regenerated.", statusCode: StatusCodes.Status410Gone, title: "File missing");
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, contentType, downloadName, enableRangeProcessing: true);
    }

    /// <summary>A job the caller may see that has succeeded and made video <paramref name="index"/>, or why not.</summary>
    private static async Task<(Job? Job, IResult? Refusal)> ReadyJobAsync(Guid id, int index, JobService service, HttpContext context, CancellationToken ct)
    {
        var job = await FindVisibleAsync(id, context.User, service, ct).ConfigureAwait(false);
        if (job is null) return (null, NotFound(id));
        if (job.Status != JobStatus.Succeeded)
            return (null, TypedResults.Problem($"Job {id} is {job.Status}; its files exist once it has succeeded.", statusCode: StatusCodes.Status409Conflict, title: "Not ready"));
        if (index < 0 || index >= job.VideoCount)
            return (null, FieldProblem("index", $"index must be between 0 and {job.VideoCount - 1} (this job made {job.VideoCount} video(s)), but is {index}."));
        return (job, null);
    }

    private static Task<IResult> InputAsync(Guid id, JobService service, MediaStore media, HttpContext context, CancellationToken ct) =>
        PictureAsync(id, JobService.InputFile, "image/png", service, media, context, ct);

    /// <summary>Input, thumbnail and animated preview: small pictures, served whenever they exist.</summary>
    private static async Task<IResult> PictureAsync(Guid id, string file, string contentType, JobService service, MediaStore media, HttpContext context, CancellationToken ct)
    {
        var job = await FindVisibleAsync(id, context.User, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        var path = media.PathOf(job.MediaFolder, file);
        if (!File.Exists(path))
            return TypedResults.Problem($"Job {id} has no {file} (yet).", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.PhysicalFile(path, contentType);
    }

    private static async Task<IResult> DeleteAsync(Guid id, ClaimsPrincipal user, JobService service, CancellationToken ct)
    {
        var job = await FindVisibleAsync(id, user, service, ct).ConfigureAwait(false);
        if (job is null) return NotFound(id);
        if (!Ownership.MayChange(user, job)) return Forbidden(job);
        return await service.DeleteAsync(id, ct).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound(id);
    }

    private static ProblemHttpResult Forbidden(Job job) =>
        TypedResults.Problem(Ownership.Refusal(job), statusCode: StatusCodes.Status403Forbidden, title: "Not your job");

    private static async Task<IResult> GalleryAsync(ClaimsPrincipal user, IDbContextFactory<GalleryDbContext> dbFactory, IOptions<SvdWebOptions> options, CancellationToken ct,
        string? page = null, string? pageSize = null, string? model = null, string? status = null)
    {
        // Read as text so a bad value gets a problem naming it, not a bare 400 from binding.
        if (!TryParseWhole(page, 1, out var pageNumber))
            return FieldProblem("page", $"page must be a whole number from 1 to {int.MaxValue}, but is '{page}'.");
        if (!TryParseWhole(pageSize, 24, out var size))
            return FieldProblem("pageSize", $"pageSize must be a whole number from 1 to 200, but is '{pageSize}'.");
        pageNumber = Math.Max(1, pageNumber);
        size = Math.Clamp(size, 1, 200);
        JobStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            // The API writes statuses in camelCase ("succeeded"); any case is accepted back, names only.
            if (!Enum.TryParse<JobStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || status.Any(char.IsDigit))
                return FieldProblem("status", $"status must be one of {string.Join(", ", Enum.GetNames<JobStatus>().Select(n => JsonNamingPolicy.CamelCase.ConvertName(n)))}, but is '{status}'.");
            wanted = parsed;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var query = Ownership.Listable(db.Jobs.AsNoTracking(), user, options.Value.OnlyOwnItems);
        if (!string.IsNullOrEmpty(model)) query = query.Where(g => g.ModelName == model);
        if (wanted is { } s) query = query.Where(g => g.Status == s);
        var total = await query.CountAsync(ct).ConfigureAwait(false);
        // A page far past the end is empty, not an overflow of the offset.
        var skip = (pageNumber - 1L) * size;
        var items = skip >= total
            ? []
            : await query.OrderByDescending(g => g.CreatedUtc).Skip((int)skip).Take(size).ToListAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<JobDto>(items.Select(g => JobDto.From(g, null, null)).ToArray(), pageNumber, size, total));
    }

    private static bool TryParseWhole(string? text, int fallback, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value);
    }

    // A problem (application/problem+json) like every other refusal, as the document says.
    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem($"There is no job {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    internal static ProblemHttpResult FieldProblem(string field, string message, int status = StatusCodes.Status400BadRequest, string title = "Invalid request") =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Title = title,
            Detail = message,
            Status = status,
        });

    internal static bool RecipeHasSeed(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return false;
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.EnumerateObject().Any(p => string.Equals(p.Name, "seed", StringComparison.OrdinalIgnoreCase));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
