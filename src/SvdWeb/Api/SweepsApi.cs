using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SvdWeb.Accounts;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Sweeps;
using SvdWeb.Inference.Video;
using SvdWeb.Jobs;
using SvdWeb.Options;
using SvdWeb.Packs;
using SvdWeb.Storage;

namespace SvdWeb.Api;

/// <summary>
/// Sweeps over the REST API (README, "Sweeps"): queue one (the multipart form of POST /api/jobs plus one or two
/// <c>vary</c> fields), read its cells, and download the side-by-side MP4 once every cell succeeded. Who may see a
/// sweep follows its cells (<see cref="Ownership"/>); changing a cell is changing its job.
/// </summary>
public static class SweepsApi
{
    public static RouteGroupBuilder MapSweepsApi(this RouteGroupBuilder api, long bodyLimit)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapPost("/sweeps", SubmitAsync).WithName("SubmitSweep").AddOpenApiOperationTransformer(ApiDocument.DescribeSweepForm)
            .WithMetadata(new RequestSizeLimitAttribute(bodyLimit), new RequestFormLimitsAttribute { MultipartBodyLengthLimit = bodyLimit })
            .Produces<SweepDto>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/sweeps", ListAsync).WithName("ListSweeps").Produces<IReadOnlyList<SweepDto>>();
        api.MapGet("/sweeps/{id:guid}", GetAsync).WithName("GetSweep")
            .Produces<SweepDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/sweeps/{id:guid}", DeleteAsync).WithName("DeleteSweep")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/sweeps/{id:guid}/grid.mp4", GridAsync).WithName("GetSweepGrid")
            .Produces<Stream>(StatusCodes.Status200OK, "video/mp4")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, ClaimsPrincipal user, JobService service, PackCatalog catalog, IOptions<SvdWebOptions> options, CancellationToken ct)
    {
        var limits = options.Value.ImageLimits();
        if (request.ContentLength > limits.MaxBytes + (1024 * 1024))
            return JobsApi.FieldProblem("image", ImageLoader.TooLarge(null, request.ContentLength, limits).Message, StatusCodes.Status413PayloadTooLarge);
        if (!request.HasFormContentType)
            return JobsApi.FieldProblem("image", "Send multipart/form-data with an 'image' file, one or two 'vary' fields (e.g. motionBucketId=60,127,200) and an optional 'recipe' JSON field.", StatusCodes.Status415UnsupportedMediaType);
        // Someone over a limit is answered before the upload is read; the room for every cell is checked once the form says how many.
        await service.EnsureAdmissibleAsync(user.ToJobOwner(), ct).ConfigureAwait(false);

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return JobsApi.FieldProblem("image", $"The form could not be read: {ex.Message}", ex is BadHttpRequestException bad ? bad.StatusCode : 400);
        }
        var recipe = form.TryGetValue("recipe", out var json) && !string.IsNullOrWhiteSpace(json) ? SvdRecipe.FromJson(json!) : SvdRecipe.Defaults;
        // One seed for the whole set (unless seed is varied): the cells then differ only in what the sweep varies.
        if (!JobsApi.RecipeHasSeed(json)) recipe = recipe with { Seed = SvdRecipe.RandomSeed() };
        var vary = form["vary"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList();
        if (vary.Count == 0)
            return JobsApi.FieldProblem("vary", $"The form has no 'vary' field. Add one or two, each NAME=V1,V2,… such as motionBucketId=60,127,200; NAME is one of {SweepParameter.Names}.");
        var plan = SweepPlan.Create(recipe, vary, catalog.Require(recipe.Model));
        if (form.Files.GetFile("image") is not { } image)
            return JobsApi.FieldProblem("image", "The form has no 'image' file. Add the picture as a file field named 'image'.");
        if (image.Length > limits.MaxBytes)
            return JobsApi.FieldProblem("image", ImageLoader.TooLarge(JobService.DisplayName(image.FileName), image.Length, limits).Message, StatusCodes.Status413PayloadTooLarge);
        var lowMemory = false;
        if (form.TryGetValue("lowMemory", out var lowMemoryField) && !bool.TryParse(lowMemoryField.ToString(), out lowMemory))
            return JobsApi.FieldProblem("lowMemory", $"'lowMemory' must be true or false, not '{lowMemoryField}'.");
        var draft = false;
        if (form.TryGetValue("draft", out var draftField) && !bool.TryParse(draftField.ToString(), out draft))
            return JobsApi.FieldProblem("draft", $"'draft' must be true or false, not '{draftField}'.");

        await using var stream = image.OpenReadStream();
        var (sweep, cells) = await service.SubmitSweepAsync(stream, image.FileName, plan, user.ToJobOwner(), ct, lowMemory, draft).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/sweeps/{sweep.Id}", SweepDto.From(sweep, cells));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, SweepService sweeps, JobProgressBroadcaster broadcaster, IOptions<SvdWebOptions> options, CancellationToken ct)
    {
        var list = await sweeps.ListAsync(user, options.Value.OnlyOwnItems, 200, ct).ConfigureAwait(false);
        return TypedResults.Ok(list.Select(s => SweepDto.From(s.Sweep, s.Cells, broadcaster.Latest)).ToList());
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, SweepService sweeps, JobProgressBroadcaster broadcaster, CancellationToken ct) =>
        await sweeps.FindVisibleAsync(id, user, ct).ConfigureAwait(false) is { } found
            ? TypedResults.Ok(SweepDto.From(found.Sweep, found.Cells, broadcaster.Latest))
            : NotFound(id);

    private static async Task<IResult> DeleteAsync(Guid id, ClaimsPrincipal user, SweepService sweeps, CancellationToken ct) =>
        await sweeps.DeleteAsync(id, user, ct).ConfigureAwait(false) switch
        {
            SweepDeletion.Deleted => TypedResults.NoContent(),
            SweepDeletion.Forbidden => TypedResults.Problem("Only the sweep's owner or an admin may delete it; open a cell and use Remix to make your own.",
                statusCode: StatusCodes.Status403Forbidden, title: "Not your sweep"),
            _ => NotFound(id),
        };

    private static async Task<IResult> GridAsync(Guid id, ClaimsPrincipal user, SweepService sweeps, SweepGridCache grids, HttpContext context, CancellationToken ct)
    {
        if (await sweeps.FindVisibleAsync(id, user, ct).ConfigureAwait(false) is not { } found) return NotFound(id);
        var (sweep, cells) = found;
        var plan = sweep.Plan();
        if (cells.Count < plan.Cells.Count)
            return TypedResults.Problem($"Sweep {id} has {plan.Cells.Count - cells.Count} of its {plan.Cells.Count} cells deleted (or private to their owner), so no grid can be made. Download the remaining cells from their pages.",
                statusCode: StatusCodes.Status410Gone, title: "Cells missing");
        if (!SweepDto.IsGridReady(plan, cells))
        {
            var waiting = cells.Where(c => c.Status != Gallery.JobStatus.Succeeded).ToList();
            var failed = waiting.Count(c => c.IsFinished);
            return TypedResults.Problem(
                $"Sweep {id} has {waiting.Count} of its {cells.Count} cells not succeeded yet ({string.Join(", ", waiting.GroupBy(c => c.Status).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))}); the grid is made once every cell has succeeded."
                + (failed > 0 ? " Retry or regenerate the ended ones from their pages." : " Ask again when they have finished."),
                statusCode: StatusCodes.Status409Conflict, title: "Not ready");
        }
        string path;
        try
        {
            path = await grids.GetAsync(sweep, cells, ct).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return TypedResults.Problem($"The frames of a cell of sweep {id} are missing from the data folder or damaged; regenerate that cell.", statusCode: StatusCodes.Status410Gone, title: "File missing");
        }
        catch (FfmpegException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Video encode failed");
        }
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.PhysicalFile(path, "video/mp4", SweepGridCache.DownloadName(id), enableRangeProcessing: true);
    }

    private static IResult NotFound(Guid id) =>
        TypedResults.Problem($"There is no sweep {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
