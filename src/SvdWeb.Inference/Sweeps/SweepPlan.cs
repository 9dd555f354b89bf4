using SvdWeb.Inference.Models;

namespace SvdWeb.Inference.Sweeps;

/// <summary>
/// One image's recipe with one or two settings varied: the first axis runs along the columns, the second (if any)
/// down the rows, and every combination is a cell, an ordinary job with its own recipe. The whole set is checked
/// before anything is queued, so a sweep is queued entirely or not at all.
/// </summary>
public sealed record SweepPlan(SvdRecipe BaseRecipe, SweepAxis Columns, SweepAxis? Rows, IReadOnlyList<SweepCell> Cells)
{
    /// <summary>The most cells one sweep may have: a 4 × 4 grid, still watchable side by side, and a bounded share of the queue.</summary>
    public const int MaxCells = 16;

    public int ColumnCount => Columns.Values.Count;

    public int RowCount => Rows?.Values.Count ?? 1;

    public IReadOnlyList<SweepAxis> Axes => Rows is null ? [Columns] : [Columns, Rows];

    /// <summary>Parses each "name=v1,v2" and builds the plan (<see cref="Create(SvdRecipe, IReadOnlyList{SweepAxis}, ModelPack?)"/>).</summary>
    public static SweepPlan Create(SvdRecipe baseRecipe, IReadOnlyList<string> axes, ModelPack? pack)
    {
        ArgumentNullException.ThrowIfNull(axes);
        return Create(baseRecipe, [.. axes.Select(SweepAxis.Parse)], pack);
    }

    /// <param name="pack">When given, every cell's recipe is checked against it (<see cref="SvdParameterLimits"/>), so a value
    /// out of range is refused naming the cell, before any job is queued.</param>
    /// <exception cref="SvdInputException">Field "vary": no axis or more than two, the same setting twice, more than
    /// <see cref="MaxCells"/> cells, or a cell whose recipe is out of range.</exception>
    public static SweepPlan Create(SvdRecipe baseRecipe, IReadOnlyList<SweepAxis> axes, ModelPack? pack)
    {
        ArgumentNullException.ThrowIfNull(baseRecipe);
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Count is < 1 or > 2)
            throw SweepAxis.Problem($"A sweep varies one or two settings, but {axes.Count} were given. Give one or two of {SweepParameter.Names}, each as NAME=V1,V2,….");
        if (axes.Count == 2 && axes[0].Parameter == axes[1].Parameter)
            throw SweepAxis.Problem($"{axes[0].Parameter.Name} is varied twice; put all its values in one list, or vary a second setting.");
        var cellCount = axes.Aggregate(1, (n, a) => n * a.Values.Count);
        if (cellCount > MaxCells)
            throw SweepAxis.Problem($"{string.Join(" × ", axes.Select(a => a.Values.Count))} = {cellCount} cells; a sweep has at most {MaxCells}. List fewer values.");
        var columns = axes[0];
        var rows = axes.Count == 2 ? axes[1] : null;
        var cells = new List<SweepCell>(cellCount);
        for (var r = 0; r < (rows?.Values.Count ?? 1); r++)
        {
            for (var c = 0; c < columns.Values.Count; c++)
            {
                var recipe = columns.Parameter.Apply(baseRecipe, columns.Values[c]);
                var label = columns.LabelOf(c);
                if (rows is not null)
                {
                    recipe = rows.Parameter.Apply(recipe, rows.Values[r]);
                    label += " · " + rows.LabelOf(r);
                }
                if (pack is not null && SvdParameterLimits.Problems(recipe, pack).FirstOrDefault() is { } problem)
                    throw SweepAxis.Problem($"The cell {label} cannot run: {problem.Message}");
                cells.Add(new SweepCell(r, c, recipe, label));
            }
        }
        return new SweepPlan(baseRecipe, columns, rows, cells);
    }
}
