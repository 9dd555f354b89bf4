using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using SvdWeb.Accounts;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.Jobs;
using SvdWeb.Packs;

namespace SvdWeb.Api;

/// <summary>
/// The models part of the REST API: the list anyone signed in may read, and the Models page's two admin decisions
/// (accept a pack's license, set the default pack) for labs that script them with an admin's API token. Both go through
/// <see cref="PackAdministration"/>, as the page does, so the page and the API store the same rows and refuse the same
/// things. The admin check comes first: a user learns nothing about packs from a refusal but that they may not.
/// </summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/models", List).WithName("ListModels");
        api.MapPost("/models/{name}/license/accept", AcceptLicenseAsync).WithName("AcceptModelLicense")
            .Produces<LicenseAcceptanceDto>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPut("/models/default", SetDefaultAsync).WithName("SetDefaultModel")
            .Produces<PackDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    private static Ok<PackDto[]> List(PackCatalog catalog) => TypedResults.Ok(catalog.List().Select(e => PackDto.From(e, catalog)).ToArray());

    /// <summary>Idempotent: a license already accepted answers its first acceptance (who and when) again.</summary>
    private static async Task<IResult> AcceptLicenseAsync(string name, ClaimsPrincipal user, PackCatalog catalog, CancellationToken ct)
    {
        if (!user.IsAdmin()) return AdminsOnly("accept a pack's license");
        var found = Find(name, catalog);
        if (found.Pack is not { } pack) return found.Problem!;
        if (pack.License is null)
        {
            return TypedResults.Problem($"Model pack '{pack.Name}' ships no license file (LICENSE, LICENSE.md, LICENSE.txt or a README.md naming a license), so there is nothing to accept: anyone may use it already.",
                statusCode: StatusCodes.Status409Conflict, title: "No license to accept");
        }
        // As on the Models page: the pack hash is recorded when already known; accepting never waits for gigabytes to be hashed.
        var hashing = catalog.GetHashAsync(pack, CancellationToken.None);
        var hash = hashing.IsCompletedSuccessfully ? await hashing.ConfigureAwait(false) : null;
        await catalog.Administration.AcceptLicenseAsync(pack, user, hash, ct).ConfigureAwait(false);
        // AcceptLicenseAsync reloaded the cache, and it matches on this pack object's license hash, so the row is there.
        var acceptance = catalog.Administration.AcceptanceOf(pack)
            ?? throw new InvalidOperationException($"The acceptance of {pack.Name}'s license was stored but is not in the cache.");
        return TypedResults.Ok(LicenseAcceptanceDto.From(acceptance));
    }

    private static async Task<IResult> SetDefaultAsync(DefaultPackRequest? body, ClaimsPrincipal user, PackCatalog catalog, CancellationToken ct)
    {
        if (!user.IsAdmin()) return AdminsOnly("set the default pack");
        if (string.IsNullOrWhiteSpace(body?.Model))
            return JobsApi.FieldProblem("model", "Send a JSON body such as {\"model\": \"svd-xt\"} naming the pack to make the default; GET /api/models lists them.");
        var found = Find(body.Model, catalog);
        if (found.Pack is not { } pack) return found.Problem!;
        try
        {
            await catalog.Administration.SetDefaultPackAsync(pack, user, ct).ConfigureAwait(false);
        }
        catch (PackLicenseNotAcceptedException ex)
        {
            // Not the submission's 403: the admin asks for a change the pack's state does not allow yet, and can fix it here.
            return TypedResults.Problem($"{ex.Message} Accept it first: POST /api/models/{pack.Name}/license/accept.",
                statusCode: StatusCodes.Status409Conflict, title: "Model pack license not accepted");
        }
        return TypedResults.Ok(PackDto.From(new PackEntry(pack.Name, pack.Folder, pack, []), catalog));
    }

    /// <summary>
    /// The valid pack of that name, or 404 for no such pack (here the "model" input names a pack to find, not to run);
    /// a pack with problems throws its <see cref="ModelPackException"/>, which ApiFailureMiddleware answers with 422.
    /// </summary>
    private static (ModelPack? Pack, IResult? Problem) Find(string name, PackCatalog catalog)
    {
        try
        {
            return (catalog.Require(name), null);
        }
        catch (SvdInputException ex)
        {
            return (null, TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound, title: "No such model pack"));
        }
    }

    private static ProblemHttpResult AdminsOnly(string action) =>
        TypedResults.Problem($"Only an admin may {action}. Sign in as an admin, or send an admin's API token (Authorization: Bearer svdw_…).",
            statusCode: StatusCodes.Status403Forbidden, title: "Admins only");
}
