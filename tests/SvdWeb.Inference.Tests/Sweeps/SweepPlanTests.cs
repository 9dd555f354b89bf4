using SvdWeb.Inference.Models;
using SvdWeb.Inference.Sweeps;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Sweeps;

/// <summary>Reading "name=v1,v2" and laying the cells out: every refusal names the field "vary" and says how to fix it.</summary>
public sealed class SweepPlanTests
{
    private static readonly ModelPack Pack = ModelPack.Load(Fixtures.TinyPack);

    [Fact]
    public void Create_TwoAxes_FirstAlongColumnsSecondDownRowsEachCellItsRecipeAndLabel()
    {
        var plan = SweepPlan.Create(SvdRecipe.Defaults with { Seed = 5 }, ["motion_bucket_id=60,127,200", "seed=1,2"], Pack);

        Assert.Equal((3, 2), (plan.ColumnCount, plan.RowCount));
        Assert.Equal(6, plan.Cells.Count);
        var cell = Assert.Single(plan.Cells, c => c.Row == 1 && c.Column == 2);
        Assert.Equal((200, 2L), (cell.Recipe.MotionBucketId, cell.Recipe.Seed));
        Assert.Equal("motion 200 · seed 2", cell.Label);
        Assert.Equal("motionBucketId=60,127,200", plan.Columns.ToString());
        // Everything not varied is the base recipe's.
        Assert.All(plan.Cells, c => Assert.Equal(SvdRecipe.Defaults.Fps, c.Recipe.Fps));
    }

    [Fact]
    public void Create_DecimalAxis_KeepsTheValuesAsTyped()
    {
        var plan = SweepPlan.Create(SvdRecipe.Defaults, ["noiseAugStrength=0.02,0.1"], Pack);

        Assert.Equal([0.02f, 0.1f], plan.Cells.Select(c => c.Recipe.NoiseAugStrength));
        Assert.Equal("noise 0.02", plan.Cells[0].Label);
        Assert.Equal(1, plan.RowCount);
    }

    [Theory]
    [InlineData(new[] { "height=64,128" }, "cannot be varied")]
    [InlineData(new[] { "motionBucketId" }, "NAME=V1,V2")]
    [InlineData(new[] { "motionBucketId=60" }, "at least 2")]
    [InlineData(new[] { "motionBucketId=60,60" }, "twice")]
    [InlineData(new[] { "motionBucketId=60,abc" }, "not a number")]
    [InlineData(new[] { "fps=6,7.5" }, "whole number")]
    [InlineData(new[] { "fps=6,7", "fps=8,9" }, "varied twice")]
    [InlineData(new[] { "fps=6,7", "seed=1,2", "motionBucketId=1,2" }, "one or two")]
    [InlineData(new[] { "fps=1,2,3,4,5", "seed=1,2,3,4" }, "5 × 4 = 20 cells")]
    [InlineData(new[] { "motionBucketId=60,2000" }, "The cell motion 2000 cannot run: motionBucketId must be between 0 and 1023")]
    [InlineData(new[] { "minGuidanceScale=1,4" }, "above maxGuidanceScale")]
    public void Create_Refused_NamesVaryAndTheProblem(string[] axes, string expected)
    {
        var ex = Assert.Throws<SvdInputException>(() => SweepPlan.Create(SvdRecipe.Defaults, axes, Pack));

        Assert.Equal("vary", ex.Field);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SixteenCells_IsTheLimit()
    {
        var plan = SweepPlan.Create(SvdRecipe.Defaults, ["seed=1,2,3,4", "fps=5,6,7,8"], Pack);

        Assert.Equal(SweepPlan.MaxCells, plan.Cells.Count);
    }
}
