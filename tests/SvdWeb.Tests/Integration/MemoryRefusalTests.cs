using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Integration;

/// <summary>The memory guidance through the real host, with SvdWeb:Inference:GpuMemoryBytes set below what the tiny pack's defaults need.</summary>
public sealed class MemoryRefusalTests : IDisposable
{
    // The tiny pack at its defaults (6 frames, 128×64, guidance on) with 3 frames decoded at once: the configured memory;
    // the memory options are off (Never), so only the recipe can make a job fit.
    private static readonly long Available = GpuMemoryEstimator.Estimate(ModelPack.Load(Fixtures.TinyPack), new MemoryRecipe(6, 64, 128, 3, 1, Guidance: true)).TotalBytes;

    private readonly SvdWebFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["SvdWeb:Inference:GpuMemoryBytes"] = Available.ToString(CultureInfo.InvariantCulture),
        ["SvdWeb:Inference:ModelCpuOffload"] = "Never",
        ["SvdWeb:Inference:ForwardChunking"] = "Never",
    });

    [Fact]
    public async Task Submit_NeedsMoreThanConfigured_RefusedNamingTheFix()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _factory.CreateClient();

        // Defaults decode all 6 frames at once: more than the configured memory.
        var refused = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), """{"numInferenceSteps":1,"seed":1}"""), ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<ProblemDetails>(ct);
        Assert.Equal("Not enough GPU memory", problem!.Title);
        Assert.Contains("decodeChunkSize) of 3 or less", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("SvdWeb:Inference:GpuMemoryBytes", problem.Detail, StringComparison.Ordinal);
        var accepted = await client.PostAsync("/api/jobs", JobRequests.Form(Fixtures.Image("logo_128x64.png"), """{"numInferenceSteps":1,"decodeChunkSize":3,"seed":1}"""), ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    public void Dispose() => _factory.Dispose();
}
