using System.Net;
using SvdWeb.Accounts;
using Microsoft.Extensions.DependencyInjection;

namespace SvdWeb.Tests.Accounts;

/// <summary>
/// Styled pages for failed page requests, problem details for the API; and in accounts mode the login page needs the app's stylesheet, scripts and icon before anyone has signed in: static
/// assets and the framework's scripts are public, pages are not.
/// </summary>
public sealed class PublicAssetsTests : IDisposable
{
    private readonly SvdWebFactory _factory = new();

    [Theory]
    [InlineData("/css/app.css", "text/css")]
    [InlineData("/js/app.js", "text/javascript")]
    [InlineData("/favicon.svg", "image/svg+xml")]
    [InlineData("/_framework/blazor.web.js", "text/javascript")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "text/css")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.js", "text/javascript")]
    public async Task StaticAsset_AccountsModeNotSignedIn_ServedNotRedirected(string path, string contentType)
    {
        var ct = TestContext.Current.CancellationToken;
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("alice", "correct horse", admin: false, ct);
        var client = SignIn.Client(_factory);

        var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownPage_StyledNotFoundWith404_ApiKeepsProblemDetails()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = SignIn.Client(_factory);

        var page = await client.GetAsync("/no-such-page", ct);
        var api = await client.GetAsync("/api/no-such-thing", ct);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("id=\"not-found\"", html, StringComparison.Ordinal);
        Assert.Contains("css/app.css", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AdminPage_PlainUserFollowsRedirect_StyledAdminsOnlyPage()
    {
        var ct = TestContext.Current.CancellationToken;
        await _factory.Services.GetRequiredService<AccountService>().CreateAsync("erin", "correct horse", admin: false, ct);
        var client = await SignIn.AsAsync(_factory, "erin", "correct horse", ct);

        var redirect = await client.GetAsync("/admin/users", ct);
        var page = await client.GetAsync(redirect.Headers.Location, ct);

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains("id=\"admins-only\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"not-found\"", html, StringComparison.Ordinal);
    }

    public void Dispose() => _factory.Dispose();
}
