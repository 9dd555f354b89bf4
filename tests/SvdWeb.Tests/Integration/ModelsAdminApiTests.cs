using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Accounts;
using SvdWeb.Tests.Packs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// POST /api/models/{name}/license/accept and PUT /api/models/default on the real host, called the way a lab script
/// does (API tokens), over a models folder of its own: the tiny pack plus "tiny-licensed", a copy with a LICENSE.md.
/// </summary>
public sealed class ModelsAdminApiTests : IDisposable
{
    private const string Licensed = "tiny-licensed";
    private const string Recipe = """{"model":"tiny-licensed","height":64,"width":128,"numFrames":2,"numInferenceSteps":1,"decodeChunkSize":2,"seed":1}""";
    private readonly TempModelsFolder _models = new();
    private readonly SvdWebFactory _factory;

    public ModelsAdminApiTests()
    {
        _models.AddTinyCopy(Licensed, TempModelsFolder.CommunityLicense);
        _factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:ModelsFolder"] = _models.Folder });
    }

    [Fact]
    public async Task AcceptLicense_AdminToken_AcceptsOnceAndUnblocksSubmissions()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, admin) = await TokenClientsAsync(ct);
        var refused = await SubmitAsync(alice, ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var before = DateTime.UtcNow;

        var first = await AcceptAsync(admin, Licensed, ct);
        var again = await AcceptAsync(admin, Licensed, ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var acceptance = (await first.Content.ReadFromJsonAsync<LicenseAcceptanceDto>(JobRequests.Json, ct))!;
        Assert.Equal((Licensed, "LICENSE.md", "root"), (acceptance.Model, acceptance.LicenseFile, acceptance.AcceptedBy));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TempModelsFolder.CommunityLicense))), acceptance.LicenseSha256);
        Assert.InRange(acceptance.AcceptedUtc, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(acceptance, await again.Content.ReadFromJsonAsync<LicenseAcceptanceDto>(JobRequests.Json, ct));
        await using (var db = await _factory.Services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct))
            Assert.Equal(1, await db.PackLicenseAcceptances.CountAsync(ct));
        Assert.True(Assert.Single(await ModelsAsync(alice, ct), p => p.Name == Licensed).LicenseAccepted);
        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(alice, ct)).StatusCode);
    }

    [Fact]
    public async Task AdminCalls_UserToken_ForbiddenProblemAndNothingChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, _) = await TokenClientsAsync(ct);

        var accept = await AcceptAsync(alice, Licensed, ct);
        var setDefault = await SetDefaultAsync(alice, "tiny-svd", ct);

        Assert.Equal(HttpStatusCode.Forbidden, accept.StatusCode);
        Assert.Contains("Only an admin may accept a pack's license", await DetailAsync(accept, ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, setDefault.StatusCode);
        Assert.Contains("Only an admin may set the default pack", await DetailAsync(setDefault, ct), StringComparison.Ordinal);
        Assert.False(Assert.Single(await ModelsAsync(alice, ct), p => p.Name == Licensed).LicenseAccepted);
        Assert.Null(_factory.Services.GetRequiredService<SvdWeb.Packs.PackAdministration>().StoredDefaultPack);
    }

    [Fact]
    public async Task AdminCalls_AnonymousOnceAccountsExist_Unauthorized()
    {
        var ct = TestContext.Current.CancellationToken;
        await TokenClientsAsync(ct);
        var anonymous = SignIn.Client(_factory);

        var accept = await AcceptAsync(anonymous, Licensed, ct);
        var setDefault = await SetDefaultAsync(anonymous, "tiny-svd", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, accept.StatusCode);
        Assert.Equal("application/problem+json", accept.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, setDefault.StatusCode);
    }

    [Fact]
    public async Task AdminCalls_UnknownPack_NotFoundNamesAvailablePacks()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin) = await TokenClientsAsync(ct);

        var accept = await AcceptAsync(admin, "no-such-pack", ct);
        var setDefault = await SetDefaultAsync(admin, "no-such-pack", ct);

        foreach (var response in new[] { accept, setDefault })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var detail = await DetailAsync(response, ct);
            Assert.Contains("There is no model pack 'no-such-pack'", detail, StringComparison.Ordinal);
            Assert.Contains("tiny-licensed, tiny-svd", detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SetDefault_LicenseNotAccepted_ConflictThenSetOnceAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin) = await TokenClientsAsync(ct);

        var refused = await SetDefaultAsync(admin, Licensed, ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"Accept it first: POST /api/models/{Licensed}/license/accept", await DetailAsync(refused, ct), StringComparison.Ordinal);
        Assert.True(Assert.Single(await ModelsAsync(admin, ct), p => p.Name == "tiny-svd").IsDefault);

        Assert.Equal(HttpStatusCode.OK, (await AcceptAsync(admin, Licensed, ct)).StatusCode);
        var set = await SetDefaultAsync(admin, Licensed, ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var pack = (await set.Content.ReadFromJsonAsync<PackDto>(JobRequests.Json, ct))!;
        Assert.Equal((Licensed, true, true), (pack.Name, pack.IsDefault, pack.LicenseAccepted));
        var listed = await ModelsAsync(admin, ct);
        Assert.Equal([Licensed], listed.Where(p => p.IsDefault).Select(p => p.Name));
    }

    [Fact]
    public async Task SetDefault_NoModelInBody_BadRequestNamesField()
    {
        var ct = TestContext.Current.CancellationToken;
        var (_, admin) = await TokenClientsAsync(ct);

        var response = await admin.PutAsJsonAsync("/api/models/default", new { }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Contains("{\"model\": \"svd-xt\"}", problem.RootElement.GetProperty("errors").GetProperty("model")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminCalls_InvalidPack_UnprocessableNamesProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        _models.AddTinyCopy("tiny-broken");
        File.Delete(Path.Combine(_models.PackFolder("tiny-broken"), "unet", "model.onnx"));
        var (_, admin) = await TokenClientsAsync(ct);

        var accept = await AcceptAsync(admin, "tiny-broken", ct);
        var setDefault = await SetDefaultAsync(admin, "tiny-broken", ct);

        foreach (var response in new[] { accept, setDefault })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Contains("unet/model.onnx", await DetailAsync(response, ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AcceptLicense_LocalMode_LocalAdminAcceptsAndPackWithoutLicenseConflicts()
    {
        var ct = TestContext.Current.CancellationToken;
        var local = SignIn.Client(_factory);

        var licensed = await AcceptAsync(local, Licensed, ct);
        var unlicensed = await AcceptAsync(local, "tiny-svd", ct);

        Assert.Equal(HttpStatusCode.OK, licensed.StatusCode);
        Assert.Equal("local", (await licensed.Content.ReadFromJsonAsync<LicenseAcceptanceDto>(JobRequests.Json, ct))!.AcceptedBy);
        Assert.Equal(HttpStatusCode.Conflict, unlicensed.StatusCode);
        Assert.Contains("'tiny-svd' ships no license file", await DetailAsync(unlicensed, ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DocumentListsModelAdminEndpoints()
    {
        var document = await _factory.CreateClient().GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(document);
        var paths = json.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/models/{name}/license/accept").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/models/default").TryGetProperty("put", out _));
        Assert.Contains("\"LicenseAcceptanceDto\"", document, StringComparison.Ordinal);
    }

    /// <summary>Accounts alice (user) and root (admin), each with an API token, as a lab's scripts would hold them.</summary>
    private async Task<(HttpClient Alice, HttpClient Admin)> TokenClientsAsync(CancellationToken ct)
    {
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        var tokens = _factory.Services.GetRequiredService<ApiTokenService>();
        var aliceId = await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        var rootId = await accounts.CreateAsync("root", "root password", admin: true, ct);
        return (Bearer((await tokens.CreateAsync(aliceId, "lab script", ct)).Secret), Bearer((await tokens.CreateAsync(rootId, "lab admin script", ct)).Secret));
    }

    private HttpClient Bearer(string secret)
    {
        var client = SignIn.Client(_factory);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static Task<HttpResponseMessage> AcceptAsync(HttpClient client, string pack, CancellationToken ct) =>
        client.PostAsync($"/api/models/{pack}/license/accept", null, ct);

    private static Task<HttpResponseMessage> SetDefaultAsync(HttpClient client, string pack, CancellationToken ct) =>
        client.PutAsJsonAsync("/api/models/default", new { model = pack }, ct);

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, CancellationToken ct) =>
        client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), Recipe), ct);

    private static async Task<PackDto[]> ModelsAsync(HttpClient client, CancellationToken ct) =>
        (await client.GetFromJsonAsync<PackDto[]>("/api/models", JobRequests.Json, ct))!;

    private static async Task<string?> DetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return problem.RootElement.GetProperty("detail").GetString();
    }

    public void Dispose()
    {
        _factory.Dispose();
        _models.Dispose();
        Directory.Delete(_factory.DataFolder, recursive: true);
    }
}
