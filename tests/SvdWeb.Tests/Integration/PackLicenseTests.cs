using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Packs;
using SvdWeb.TestSupport;
using SvdWeb.Tests.Packs;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// License acceptance and hot reload through the real host, over a models folder of its own: the tiny pack plus
/// "tiny-licensed", a copy with a LICENSE.md.
/// </summary>
public sealed class PackLicenseTests : IDisposable
{
    private const string Licensed = "tiny-licensed";
    private const string Recipe = """{"model":"tiny-licensed","height":64,"width":128,"numFrames":2,"numInferenceSteps":1,"decodeChunkSize":2,"seed":1}""";
    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "admin-1"), new Claim(ClaimTypes.Name, "admin-1"), new Claim(ClaimTypes.Role, Roles.Admin)], "Test"));
    private readonly TempModelsFolder _models = new();
    private readonly SvdWebFactory _factory;

    public PackLicenseTests()
    {
        _models.AddTinyCopy(Licensed, TempModelsFolder.CommunityLicense);
        _factory = new SvdWebFactory(settings: new Dictionary<string, string?>
        {
            ["SvdWeb:ModelsFolder"] = _models.Folder,
            ["SvdWeb:ModelsRescanDelay"] = "00:00:00.200",
        });
    }

    private Task<HttpResponseMessage> SubmitAsync(HttpClient client, CancellationToken ct) =>
        client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), Recipe), ct);

    private async Task<PackDto[]> ModelsAsync(HttpClient client, CancellationToken ct) =>
        (await client.GetFromJsonAsync<PackDto[]>("/api/models", JobRequests.Json, ct))!;

    [Fact]
    public async Task Submit_LicensedPack_RefusedUntilAcceptedAndAgainWhenLicenseChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var catalog = _factory.Services.GetRequiredService<PackCatalog>();

        var refused = await SubmitAsync(client, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<ProblemDetails>(ct);
        Assert.Contains("An admin must accept the license on /models", problem!.Detail, StringComparison.Ordinal);
        Assert.Contains("'tiny-licensed'", problem.Detail, StringComparison.Ordinal);
        var listed = Assert.Single(await ModelsAsync(client, ct), p => p.Name == Licensed);
        Assert.Equal(("LICENSE.md", false), (listed.License, listed.LicenseAccepted));

        await catalog.Administration.AcceptLicenseAsync(catalog.Require(Licensed), Admin, null, ct);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(client, ct)).StatusCode);
        Assert.True(Assert.Single(await ModelsAsync(client, ct), p => p.Name == Licensed).LicenseAccepted);

        _models.WriteLicense(Licensed, TempModelsFolder.CommunityLicense + "Amended terms.\n");
        var again = await SubmitAsync(client, ct);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.False(Assert.Single(await ModelsAsync(client, ct), p => p.Name == Licensed).LicenseAccepted);
    }

    [Fact]
    public async Task Submit_TinyPackWithoutLicense_NeedsNoAcceptance()
    {
        var ct = TestContext.Current.CancellationToken;

        var response = await _factory.CreateClient().PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), JobRequests.SmallRecipe), ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Watcher_PackCopiedInThenRemoved_AppearsThenDisappears()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var catalog = _factory.Services.GetRequiredService<PackCatalog>();
        Assert.DoesNotContain(await ModelsAsync(client, ct), p => p.Name == "tiny-added");

        var added = NextChange(catalog);
        _models.AddTinyCopy("tiny-added");
        await added.WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.True(Assert.Single(await ModelsAsync(client, ct), p => p.Name == "tiny-added").Valid);

        var removed = NextChange(catalog);
        _models.Remove("tiny-added");
        await removed.WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.DoesNotContain(await ModelsAsync(client, ct), p => p.Name == "tiny-added");
    }

    /// <summary>Completes at the catalog's next Changed event (raised by the watcher's rescan).</summary>
    private static Task NextChange(PackCatalog catalog)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler()
        {
            catalog.Changed -= Handler;
            changed.TrySetResult();
        }
        catalog.Changed += Handler;
        return changed.Task;
    }

    public void Dispose()
    {
        _factory.Dispose();
        _models.Dispose();
    }
}
