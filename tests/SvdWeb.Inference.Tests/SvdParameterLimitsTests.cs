using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests;

/// <summary>The shared bounds report every field out of range at once, each with its range; Validate throws the first.</summary>
public sealed class SvdParameterLimitsTests
{
    private static readonly ModelPack Tiny = ModelPack.Load(Fixtures.TinyPack);

    [Fact]
    public void Problems_SeveralOutOfRange_NamesEachFieldWithItsRangeInOrder()
    {
        var recipe = new SvdRecipe { NumFrames = 0, Fps = 200, Height = 20, MinGuidanceScale = 4f, MaxGuidanceScale = 3f };

        var problems = SvdParameterLimits.Problems(recipe, Tiny);

        Assert.Equal(["height", "numFrames", "minGuidanceScale", "fps"], problems.Select(p => p.Field));
        Assert.StartsWith("height must be between 64 and 2048", problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("numFrames must be between 1 and 128 (the pack was trained on 6), but is 0.", problems[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("minGuidanceScale (4) is above maxGuidanceScale (3)", problems[2].Message, StringComparison.Ordinal);
        Assert.StartsWith("fps must be between 1 and 120", problems[3].Message, StringComparison.Ordinal);
        var thrown = Assert.Throws<SvdInputException>(() => recipe.Resolve(Tiny));
        Assert.Equal(("height", problems[0].Message), (thrown.Field, thrown.Message));
    }

    [Fact]
    public void Problems_Defaults_None() => Assert.Empty(SvdParameterLimits.Problems(SvdRecipe.Defaults, Tiny));
}
