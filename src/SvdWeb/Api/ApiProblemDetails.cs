namespace SvdWeb.Api;

/// <summary>
/// Details for the problems ASP.NET writes by itself on /api (routing's 404, 405 and 415, through the status code
/// pages), which otherwise say only the status's name.
/// </summary>
internal static class ApiProblemDetails
{
    public static void FillIn(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        if (context.ProblemDetails.Detail is not null || !request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return;
        var call = $"{request.Method} {request.Path}";
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"There is no API call {call}. The calls are listed in /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => $"{call}: this address does not take {request.Method}. The calls and their methods are listed in /openapi/v1.json.",
            StatusCodes.Status415UnsupportedMediaType => $"{call} does not take a body of type {request.ContentType ?? "(none)"}. "
                + (request.Path.Equals("/api/jobs", StringComparison.OrdinalIgnoreCase) && HttpMethods.IsPost(request.Method)
                    ? "Send multipart/form-data with an 'image' file and an optional 'recipe' JSON field."
                    : "Send application/json, as /openapi/v1.json describes."),
            StatusCodes.Status401Unauthorized => "Sign in on /login, or send an API token as 'Authorization: Bearer svdw_…' (make one on /account/tokens).",
            _ => null,
        };
    }
}
