using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SvdWeb.Api;

/// <summary>
/// What the generated /openapi/v1.json cannot see from the handlers: the bearer token scheme every /api call takes
/// (accounts mode; without accounts every caller is the local user and the header is ignored), and the multipart
/// form of <c>POST /api/jobs</c>, which the handler reads itself so it can refuse an oversized upload before
/// buffering it. With these a generated client can sign in and submit a job.
/// </summary>
internal static class ApiDocument
{
    public const string BearerScheme = "Bearer";

    public static void Configure(OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer(AddBearerScheme);
    }

    private static Task AddBearerScheme(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = "SvdWeb";
        document.Info.Description = "Image-to-video with Stable Video Diffusion. Errors are RFC 7807 problem details; input errors name the field.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "svdw_…",
            Description = "An API token from the Tokens page (/account/tokens), sent as 'Authorization: Bearer svdw_…'. Needed in accounts mode only.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
        return Task.CompletedTask;
    }

    /// <summary>The body of <c>POST /api/sweeps</c>: the form of <c>POST /api/jobs</c> plus one or two <c>vary</c> fields.</summary>
    public static async Task DescribeSweepForm(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        await DescribeSubmitForm(operation, context, ct).ConfigureAwait(false);
        var form = (OpenApiSchema)operation.RequestBody!.Content!["multipart/form-data"].Schema!;
        form.Required!.Add("vary");
        form.Properties!["vary"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
            Description = $"One or two settings varied over listed values, each NAME=V1,V2,… (the first along the grid's columns, the second down its rows; at most {Inference.Sweeps.SweepPlan.MaxCells} cells). " +
                $"NAME is one of {Inference.Sweeps.SweepParameter.Names}. Every cell is a job with the recipe and that cell's values; the set is queued whole or not at all.",
        };
    }

    /// <summary>The body of <c>POST /api/jobs</c>: the picture as the file part <c>image</c>, the optional
    /// <c>recipe</c> part, a JSON object with any of <see cref="Inference.SvdRecipe"/>'s fields (camelCase), and the optional
    /// <c>lowMemory</c> and <c>draft</c> switches.</summary>
    public static async Task DescribeSubmitForm(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var recipe = await context.GetOrCreateSchemaAsync(typeof(Inference.SvdRecipe), null, ct).ConfigureAwait(false);
        recipe.Description = "Settings as JSON, e.g. {\"seed\": 42, \"numFrames\": 14}; every field is optional (the pack's and diffusers' defaults). Without a seed a random one is drawn.";
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string>(StringComparer.Ordinal) { "image" },
                        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                        {
                            ["image"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.String,
                                Format = "binary",
                                Description = "The input picture: PNG, JPEG, WebP, BMP, GIF or TIFF, up to SvdWeb:MaxUploadBytes.",
                            },
                            ["recipe"] = recipe,
                            ["lowMemory"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Boolean,
                                Description = "Run with every memory option (model CPU offload, forward chunking): same frames, slower. Default false.",
                            },
                            ["draft"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Boolean,
                                Description = "Queue a draft: the same recipe with few denoising steps (the pack's draft_inference_steps, else 8, never more than the recipe's), " +
                                    "to see the motion quickly; POST /api/jobs/{id}/final then queues it with the recipe's own steps. Default false.",
                            },
                        },
                    },
                    Encoding = new Dictionary<string, OpenApiEncoding>(StringComparer.Ordinal)
                    {
                        ["recipe"] = new() { ContentType = "application/json" },
                    },
                },
            },
        };
    }
}
