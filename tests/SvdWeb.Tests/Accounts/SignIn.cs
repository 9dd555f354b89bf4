using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace SvdWeb.Tests.Accounts;

/// <summary>Signs in the way a browser does: the static login page's form, its antiforgery token, the cookie.</summary>
internal static partial class SignIn
{
    public static HttpClient Client(SvdWebFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <returns>The response to the form post (a redirect either way; its Location tells success from failure).</returns>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string userName, string password, CancellationToken ct, string returnUrl = "/")
    {
        var page = await client.GetStringAsync($"/login?returnUrl={Uri.EscapeDataString(returnUrl)}", ct);
        var token = TokenField().Match(page);
        Assert.True(token.Success, "The login page has no antiforgery token: " + page);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["userName"] = userName,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        });
        return await client.PostAsync("/account/login", form, ct);
    }

    public static async Task<HttpClient> AsAsync(SvdWebFactory factory, string userName, string password, CancellationToken ct)
    {
        var client = Client(factory);
        var response = await PostAsync(client, userName, password, ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*? value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
