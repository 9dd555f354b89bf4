using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// /openapi/v1.json from the real host, read by Microsoft.OpenApi's own parser as a client generator would: valid, with
/// every /api route the app maps, each with the statuses it answers, the multipart form of POST /api/jobs, and the
/// bearer token scheme.
/// </summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    /// <summary>Every API call, method and path as documented, with the statuses it can answer.</summary>
    private static readonly Dictionary<(string Method, string Path), int[]> Expected = new()
    {
        [("POST", "/api/jobs")] = [202, 400, 401, 403, 413, 415, 422, 429, 503],
        [("GET", "/api/jobs/{id}")] = [200, 401, 404],
        [("DELETE", "/api/jobs/{id}")] = [204, 401, 403, 404],
        [("POST", "/api/jobs/{id}/cancel")] = [202, 401, 403, 404, 409],
        [("POST", "/api/jobs/{id}/final")] = [202, 401, 403, 404, 409, 422, 429, 503],
        [("POST", "/api/jobs/{id}/private")] = [200, 400, 401, 403, 404],
        [("POST", "/api/jobs/{id}/move")] = [200, 400, 401, 403, 404, 409],
        [("GET", "/api/jobs/{id}/video")] = [200, 400, 401, 404, 409, 410, 503],
        [("GET", "/api/jobs/{id}/frames.zip")] = [200, 400, 401, 404, 409, 410],
        [("GET", "/api/jobs/{id}/input.png")] = [200, 401, 404],
        [("GET", "/api/jobs/{id}/thumbnail.png")] = [200, 401, 404],
        [("GET", "/api/jobs/{id}/preview.gif")] = [200, 401, 404],
        [("GET", "/api/gallery")] = [200, 400, 401],
        [("POST", "/api/sweeps")] = [202, 400, 401, 403, 413, 415, 422, 429, 503],
        [("GET", "/api/sweeps")] = [200, 401],
        [("GET", "/api/sweeps/{id}")] = [200, 401, 404],
        [("GET", "/api/sweeps/{id}/grid.mp4")] = [200, 401, 404, 409, 410, 503],
        [("DELETE", "/api/sweeps/{id}")] = [204, 401, 403, 404],
        [("GET", "/api/models")] = [200, 401],
        [("POST", "/api/models/{name}/license/accept")] = [200, 401, 403, 404, 409, 422],
        [("PUT", "/api/models/default")] = [200, 400, 401, 403, 404, 409, 422],
    };

    private async Task<OpenApiDocument> ReadDocumentAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var json = await _factory.CreateClient().GetStringAsync("/openapi/v1.json", ct);
        var read = OpenApiDocument.Parse(json, "json");
        Assert.NotNull(read.Diagnostic);
        Assert.Empty(read.Diagnostic.Errors);
        return Assert.IsType<OpenApiDocument>(read.Document);
    }

    [Fact]
    public async Task Document_ListsEveryMappedApiRouteWithItsStatuses()
    {
        var document = await ReadDocumentAsync();

        var documented = document.Paths.SelectMany(path => path.Value.Operations!.Select(op => (op.Key.Method.ToUpperInvariant(), path.Key))).ToHashSet();
        Assert.Equal(Expected.Keys.Order(), documented.Order());
        // Nothing the app maps under /api is missing from the list above (so from the document).
        var mapped = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!.Replace(":guid", "", StringComparison.Ordinal))))
            .ToHashSet();
        Assert.Equal(Expected.Keys.Order(), mapped.Order());
        foreach (var ((method, path), statuses) in Expected)
        {
            var operation = document.Paths[path].Operations![HttpMethod.Parse(method)];
            Assert.True(statuses.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order().SequenceEqual(operation.Responses!.Keys.Order()),
                $"{method} {path}: documented {string.Join(", ", operation.Responses!.Keys.Order())}, expected {string.Join(", ", statuses)}.");
            foreach (var (status, response) in operation.Responses!.Where(r => r.Key[0] is '4' or '5'))
                Assert.True(response.Content?.Keys.Any(k => k.StartsWith("application/problem+json", StringComparison.Ordinal)) == true, $"{method} {path} {status} is not a problem.");
        }
    }

    [Fact]
    public async Task SubmitJob_IsA202WithAMultipartFormOfImageAndRecipe()
    {
        var document = await ReadDocumentAsync();

        var submit = document.Paths["/api/jobs"].Operations![HttpMethod.Post];
        Assert.Equal("SubmitJob", submit.OperationId);
        Assert.DoesNotContain("200", submit.Responses!.Keys);
        Assert.Contains("application/json", submit.Responses["202"].Content!.Keys);
        var form = Assert.Single(submit.RequestBody!.Content!);
        Assert.Equal("multipart/form-data", form.Key);
        var schema = form.Value.Schema!;
        Assert.Equal(["image"], schema.Required!);
        Assert.Equal(["draft", "image", "lowMemory", "recipe"], schema.Properties!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(JsonSchemaType.Boolean, schema.Properties["lowMemory"].Type);
        Assert.Equal(JsonSchemaType.Boolean, schema.Properties["draft"].Type);
        Assert.Equal((JsonSchemaType.String, "binary"), (schema.Properties["image"].Type!.Value, schema.Properties["image"].Format));
        // The recipe part is a JSON object with the recipe's fields, so a generated client can fill it in.
        Assert.Equal("application/json", form.Value.Encoding!["recipe"].ContentType);
        var recipe = schema.Properties["recipe"];
        Assert.Contains("seed", recipe.Properties!.Keys);
        Assert.Contains("numFrames", recipe.Properties.Keys);
        Assert.Contains("decodeChunkSize", recipe.Properties.Keys);
    }

    [Fact]
    public async Task Document_DeclaresTheBearerTokenSchemeForEveryCall()
    {
        var document = await ReadDocumentAsync();

        var scheme = document.Components!.SecuritySchemes!["Bearer"];
        Assert.Equal((SecuritySchemeType.Http, "bearer"), (scheme.Type!.Value, scheme.Scheme));
        var requirement = Assert.Single(document.Security!);
        Assert.Equal("Bearer", Assert.Single(requirement.Keys).Reference.Id);
    }

    public void Dispose() => _factory.Dispose();
}
