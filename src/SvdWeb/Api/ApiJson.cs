using System.Text.Json;
using System.Text.Json.Serialization;

namespace SvdWeb.Api;

/// <summary>
/// JSON as the REST API and the progress hub write it: enums as camelCase names ("succeeded", "stretch", "denoising"),
/// the same words the recipe files and the API's inputs use, so a job's recipe can be posted back as it was read and a
/// script never has to know an enum's numbering.
/// </summary>
internal static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
