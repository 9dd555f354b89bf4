using System.Net.Http.Headers;
using System.Net.Http.Json;
using SvdWeb.Api;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SvdWeb.Tests;

/// <summary>What tests send to and read from <c>/api/jobs</c>: the multipart submit form, a recipe small enough to run
/// in a second on the tiny pack, the API's JSON settings (camelCase, enums as strings) and the gallery list.</summary>
internal static class JobRequests
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public const string SmallRecipe = """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":2,"decodeChunkSize":2,"seed":42}""";

    public static MultipartFormDataContent Form(string imagePath, string? recipe, string fileName = "logo.png")
    {
        var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(File.ReadAllBytes(imagePath));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", fileName);
        if (recipe is not null) form.Add(new StringContent(recipe), "recipe");
        return form;
    }

    /// <summary>The gallery as the API lists it (first 200 items, newest first).</summary>
    public static async Task<IReadOnlyList<JobDto>> GalleryItemsAsync(HttpClient client, CancellationToken ct) =>
        (await client.GetFromJsonAsync<PageDto<JobDto>>("/api/gallery?pageSize=200", Json, ct))!.Items;
}
