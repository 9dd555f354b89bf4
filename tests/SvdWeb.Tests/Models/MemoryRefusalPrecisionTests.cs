using System.Globalization;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Models;

/// <summary>A refusal whose two figures would round alike says how far apart they are.</summary>
public sealed class MemoryRefusalPrecisionTests
{
    private static readonly ModelPack Tiny = ModelPack.Load(Fixtures.TinyPack);
    private static readonly MemoryRecipe Recipe = new(6, 64, 128, 6, 1, Guidance: true);

    [Fact]
    public void Refusal_JustOverTheGpu_SaysByHowMuchWithFiguresThatDiffer()
    {
        var needs = GpuMemoryEstimator.Estimate(Tiny, Recipe, 1.0, MemoryOptions.None).TotalBytes;
        var available = needs - 3 * 1048576;
        Assert.Equal(GpuMemoryEstimate.Gib(needs), GpuMemoryEstimate.Gib(available));

        var refusal = GpuMemoryEstimator.Refusal(Tiny, Recipe, available, "test", 1.0, MemoryOptions.None);

        Assert.NotNull(refusal);
        Assert.Contains("That is 3 MiB too much", refusal, StringComparison.Ordinal);
        var ic = CultureInfo.InvariantCulture;
        Assert.Contains($"{(needs / 1073741824.0).ToString("0.000", ic)} GiB needed, {(available / 1073741824.0).ToString("0.000", ic)} GiB available", refusal, StringComparison.Ordinal);
        Assert.NotEqual((needs / 1073741824.0).ToString("0.000", ic), (available / 1073741824.0).ToString("0.000", ic));
    }

    [Fact]
    public void Refusal_FarOverTheGpu_NoExtraFigures()
    {
        var needs = GpuMemoryEstimator.Estimate(Tiny, Recipe, 1.0, MemoryOptions.None).TotalBytes;

        var refusal = GpuMemoryEstimator.Refusal(Tiny, Recipe, needs / 4, "test", 1.0, MemoryOptions.None);

        Assert.DoesNotContain("too much", refusal, StringComparison.Ordinal);
    }
}
