using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Devices;
using SvdWeb.Options;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Devices;

/// <summary>The guard's choice of memory options for a job: the cheapest the server allows that fits, else a refusal.</summary>
public sealed class GpuMemoryGuardTests
{
    private static readonly ModelPack Tiny = ModelPack.Load(Fixtures.TinyPack);
    private static readonly MemoryRecipe Recipe = new(6, 64, 128, 6, 1, Guidance: true);

    private static GpuMemoryGuard Guard(long gpuBytes, MemoryOptionMode offload = MemoryOptionMode.Auto, MemoryOptionMode chunking = MemoryOptionMode.Auto) =>
        new(Microsoft.Extensions.Options.Options.Create(new SvdWebOptions
        {
            Inference = new InferenceOptions { GpuMemoryBytes = gpuBytes, ModelCpuOffload = offload, ForwardChunking = chunking },
        }));

    private static long Needs(MemoryOptions options) => GpuMemoryEstimator.Estimate(Tiny, Recipe, 1.0, options).TotalBytes;

    [Fact]
    public void Plan_FitsWithout_TurnsNothingOn()
    {
        var guard = Guard(Needs(MemoryOptions.None));

        Assert.Equal(MemoryOptions.None, guard.Plan(Tiny, Recipe));
        Assert.Null(guard.Refusal(Tiny, Recipe));
    }

    [Fact]
    public void Plan_FitsOnlyWithOffload_TurnsItOnAndSaysSo()
    {
        var budget = Needs(new MemoryOptions(true, true));
        Assert.True(Needs(new MemoryOptions(ForwardChunking: true)) > budget, "the tiny recipe must need offload to fit this budget");
        var guard = Guard(budget);

        var plan = guard.Plan(Tiny, Recipe);

        Assert.True(plan.ModelCpuOffload);
        Assert.True(Needs(plan) <= budget);
        Assert.Null(guard.Refusal(Tiny, Recipe));
        Assert.Contains("model CPU offload", guard.Estimate(Tiny, Recipe).Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_FitsWithChunking_PrefersItToOffload()
    {
        var guard = Guard(Needs(new MemoryOptions(ForwardChunking: true)));

        Assert.Equal(new MemoryOptions(ForwardChunking: true), guard.Plan(Tiny, Recipe));
    }

    [Fact]
    public void Refusal_OffloadNever_RefusesWhatOnlyOffloadWouldFit()
    {
        var guard = Guard(Needs(new MemoryOptions(true, true)), offload: MemoryOptionMode.Never);

        var refusal = guard.Refusal(Tiny, Recipe);

        Assert.NotNull(refusal);
        Assert.Contains("forward chunking", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("model CPU offload", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_LowMemory_TurnsOnEveryAllowedOptionEvenWhenItFitsWithout()
    {
        var fits = Guard(Needs(MemoryOptions.None));
        var noLimit = Guard(0);

        Assert.Equal(new MemoryOptions(true, true), fits.Plan(Tiny, Recipe, lowMemory: true));
        Assert.Equal(new MemoryOptions(true, true), noLimit.Plan(Tiny, Recipe, lowMemory: true));
        Assert.Equal(MemoryOptions.None, noLimit.Plan(Tiny, Recipe));
        Assert.Contains("model CPU offload", fits.Estimate(Tiny, Recipe, lowMemory: true).Describe(), StringComparison.Ordinal);
        Assert.True(fits.Estimate(Tiny, Recipe, lowMemory: true).TotalBytes < fits.Estimate(Tiny, Recipe).TotalBytes);
    }

    [Fact]
    public void Plan_LowMemory_KeepsWhatTheServerForbids()
    {
        var guard = Guard(0, offload: MemoryOptionMode.Never);

        Assert.Equal(new MemoryOptions(ForwardChunking: true), guard.Plan(Tiny, Recipe, lowMemory: true));
    }

    [Fact]
    public void Plan_Always_TurnsItOnEvenWithoutALimit()
    {
        var guard = Guard(0, chunking: MemoryOptionMode.Always);

        Assert.Equal(new MemoryOptions(ForwardChunking: true), guard.Plan(Tiny, Recipe));
        Assert.Null(guard.Refusal(Tiny, Recipe));
    }
}
