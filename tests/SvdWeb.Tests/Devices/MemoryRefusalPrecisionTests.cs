using System.Text.RegularExpressions;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Devices;

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
        // The two figures themselves differ: as many decimals as it takes.
        var needsText = Regex.Match(refusal, @"needs about (\S+ \S*B) \(").Groups[1].Value;
        var hasText = Regex.Match(refusal, @"but the GPU has (\S+ \S*B) \(").Groups[1].Value;
        Assert.NotEqual("", needsText);
        Assert.NotEqual("", hasText);
        Assert.NotEqual(needsText, hasText);
        Assert.Equal(GpuMemoryEstimate.Contrast(needs, available), (needsText, hasText));
    }

    [Theory]
    [InlineData(1288490189L, 1288490189L - 200L * 1024 * 1024, "1.2 GiB", "1.0 GiB")]
    [InlineData(1288490189L, 1288490189L - 20L * 1024 * 1024, "1.20 GiB", "1.18 GiB")]
    [InlineData(1288490189L, 1288490189L - 3L * 1024 * 1024, "1.200 GiB", "1.197 GiB")]
    [InlineData(1288490189L, 1288490189L - 300L * 1024, "1228.8 MiB", "1228.5 MiB")]
    [InlineData(1288490189L, 1288490189L - 1000L, "1,288,490,189 bytes", "1,288,489,189 bytes")]
    [InlineData(1288490189L, 1288490189L, "1.2 GiB", "1.2 GiB")]
    public void Contrast_SizesThatDiffer_ReadDifferently(long first, long second, string firstText, string secondText) =>
        Assert.Equal((firstText, secondText), GpuMemoryEstimate.Contrast(first, second));

    [Fact]
    public void Refusal_FarOverTheGpu_NoExtraFigures()
    {
        var needs = GpuMemoryEstimator.Estimate(Tiny, Recipe, 1.0, MemoryOptions.None).TotalBytes;

        var refusal = GpuMemoryEstimator.Refusal(Tiny, Recipe, needs / 4, "test", 1.0, MemoryOptions.None);

        Assert.DoesNotContain("too much", refusal, StringComparison.Ordinal);
    }
}
