using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Accounts;
using SvdWeb.Api;
using SvdWeb.Gallery;
using SvdWeb.Tests.Accounts;
using SvdWeb.Tests.Packs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>
/// Drafts on the real host: <c>draft=true</c> runs the recipe with the pack's draft steps and remembers the recipe's own
/// for the final; <c>POST /api/jobs/{id}/final</c> queues that final as a new job through the same checks as any job.
/// </summary>
public sealed class DraftApiTests : IDisposable
{
    private const string Recipe = """{"height":64,"width":128,"numFrames":4,"numInferenceSteps":12,"decodeChunkSize":2,"seed":42}""";

    private readonly TempModelsFolder _models = new();
    private readonly SvdWebFactory _factory;

    public DraftApiTests()
    {
        // A pack naming its draft steps beside the bundled one, which takes the default 8.
        _models.AddTinyCopy("tiny-quick");
        File.WriteAllText(Path.Combine(_models.PackFolder("tiny-quick"), "svdweb.json"), """{"default_height": 64, "default_width": 128, "draft_inference_steps": 3}""");
        _factory = new SvdWebFactory(settings: new Dictionary<string, string?> { ["SvdWeb:ModelsFolder"] = _models.Folder });
    }

    [Fact]
    public async Task Submit_Draft_RunsTheDraftStepsThenFinalQueuesTheSameRecipeWithItsOwnSteps()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var draft = await SubmitAsync(client, Recipe, "true", ct);

        Assert.True(draft.Draft);
        Assert.Equal(12, draft.FinalInferenceSteps);
        Assert.Equal(8, draft.Recipe.NumInferenceSteps);
        var draftDone = await JobPolls.WaitForEndAsync(client, draft.Id, ct);
        Assert.True(draftDone.Status == JobStatus.Succeeded, draftDone.Error);
        Assert.True(draftDone.Draft);
        Assert.Contains(await JobRequests.GalleryItemsAsync(client, ct), j => j.Id == draft.Id && j.Draft && j.FinalInferenceSteps == 12);

        var response = await client.PostAsync($"/api/jobs/{draft.Id}/final", null, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var final = (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
        Assert.Equal($"/api/jobs/{final.Id}", response.Headers.Location?.OriginalString);
        Assert.NotEqual(draft.Id, final.Id);
        Assert.False(final.Draft);
        Assert.Null(final.FinalInferenceSteps);
        Assert.Equal(draft.Id, final.SourceId);
        // Everything but the steps is the draft's: image, seed and every setting.
        Assert.Equal(draft.Recipe with { NumInferenceSteps = 12 }, final.Recipe);
        var finalDone = await JobPolls.WaitForEndAsync(client, final.Id, ct);
        Assert.True(finalDone.Status == JobStatus.Succeeded, finalDone.Error);
        Assert.Equal(await InputAsync(client, draft.Id, ct), await InputAsync(client, final.Id, ct));
    }

    [Fact]
    public async Task Submit_Draft_TakesThePacksDraftStepsButNeverMoreThanTheRecipes()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        var packSteps = await SubmitAsync(client, Recipe.Replace("\"seed\":42", "\"seed\":42,\"model\":\"tiny-quick\"", StringComparison.Ordinal), "true", ct);
        var fewSteps = await SubmitAsync(client, Recipe.Replace("\"numInferenceSteps\":12", "\"numInferenceSteps\":2", StringComparison.Ordinal), "true", ct);
        var plain = await SubmitAsync(client, Recipe, "false", ct);

        Assert.Equal((3, 12), (packSteps.Recipe.NumInferenceSteps, packSteps.FinalInferenceSteps));
        Assert.Equal((2, 2), (fewSteps.Recipe.NumInferenceSteps, fewSteps.FinalInferenceSteps));
        Assert.True(fewSteps.Draft);
        Assert.False(plain.Draft);
        Assert.Equal((12, null), (plain.Recipe.NumInferenceSteps, plain.FinalInferenceSteps));
    }

    [Fact]
    public async Task Final_UnknownJobNotADraftOrBadDraftField_404_409_400AndNothingQueued()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();
        var plain = await SubmitAsync(client, Recipe, null, ct);

        var unknown = await client.PostAsync($"/api/jobs/{Guid.NewGuid()}/final", null, ct);
        var notDraft = await client.PostAsync($"/api/jobs/{plain.Id}/final", null, ct);
        using var form = JobRequests.Form(Fixtures.Image("logo_128x64.png"), Recipe);
        form.Add(new StringContent("maybe"), "draft");
        var badField = await client.PostAsync("/api/jobs", form, ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, notDraft.StatusCode);
        Assert.Equal("application/problem+json", notDraft.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await notDraft.Content.ReadAsStringAsync(ct)))
        {
            Assert.Equal("Not a draft", problem.RootElement.GetProperty("title").GetString());
            Assert.Contains("Regenerate", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.BadRequest, badField.StatusCode);
        using (var problem = JsonDocument.Parse(await badField.Content.ReadAsStringAsync(ct)))
            Assert.Contains("true or false", problem.RootElement.GetProperty("errors").GetProperty("draft")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal([plain.Id], (await JobRequests.GalleryItemsAsync(client, ct)).Select(j => j.Id));
    }

    [Fact]
    public async Task Final_OfSomeoneElsesDraft_403_ItsOwnerGets202()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = _factory.Services.GetRequiredService<AccountService>();
        await accounts.CreateAsync("alice", "alice password", admin: false, ct);
        await accounts.CreateAsync("bob", "bob password", admin: false, ct);
        var alice = await SignIn.AsAsync(_factory, "alice", "alice password", ct);
        var bob = await SignIn.AsAsync(_factory, "bob", "bob password", ct);
        var draft = await SubmitAsync(alice, Recipe, "true", ct);
        await JobPolls.WaitForEndAsync(alice, draft.Id, ct);

        var bobs = await bob.PostAsync($"/api/jobs/{draft.Id}/final", null, ct);
        var alices = await alice.PostAsync($"/api/jobs/{draft.Id}/final", null, ct);

        Assert.Equal(HttpStatusCode.Forbidden, bobs.StatusCode);
        using (var problem = JsonDocument.Parse(await bobs.Content.ReadAsStringAsync(ct)))
            Assert.Contains("belongs to alice", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, alices.StatusCode);
        Assert.Equal(2, (await JobRequests.GalleryItemsAsync(alice, ct)).Count);
    }

    private static async Task<JobDto> SubmitAsync(HttpClient client, string recipe, string? draft, CancellationToken ct)
    {
        using var form = JobRequests.Form(Fixtures.Image("logo_128x64.png"), recipe);
        if (draft is not null) form.Add(new StringContent(draft), "draft");
        var response = await client.PostAsync("/api/jobs", form, ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(JobRequests.Json, ct))!;
    }

    private static Task<byte[]> InputAsync(HttpClient client, Guid id, CancellationToken ct) =>
        client.GetByteArrayAsync(new Uri($"/api/jobs/{id}/input.png", UriKind.Relative), ct);

    public void Dispose()
    {
        _factory.Dispose();
        _models.Dispose();
    }
}
