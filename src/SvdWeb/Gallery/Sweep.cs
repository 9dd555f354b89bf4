using SvdWeb.Inference;
using SvdWeb.Inference.Sweeps;

namespace SvdWeb.Gallery;

/// <summary>
/// One image and recipe with one or two settings varied (README, "Sweeps"): the set its cells were queued as. The
/// cells are ordinary jobs (<see cref="Job.SweepId"/>, <see cref="Job.SweepRow"/>, <see cref="Job.SweepColumn"/>), each
/// with its own complete recipe; this row keeps what the grid needs to lay them out and label them.
/// </summary>
public sealed class Sweep
{
    public Guid Id { get; init; }

    public DateTime CreatedUtc { get; init; }

    /// <summary>The account that queued it, as on its jobs.</summary>
    public string OwnerId { get; init; } = "local";

    public string OwnerName { get; init; } = "local";


    public required string ModelName { get; init; }

    /// <summary>The uploaded file's name, for display only.</summary>
    public required string InputFileName { get; init; }

    /// <summary>The setting along the columns, as the API names it ("motionBucketId").</summary>
    public required string ColumnAxis { get; init; }

    /// <summary>Its values, comma-separated, invariant ("60,127,200").</summary>
    public required string ColumnValues { get; init; }

    /// <summary>The setting down the rows, or null for a sweep of one setting.</summary>
    public string? RowAxis { get; init; }

    public string? RowValues { get; init; }

    /// <summary>The recipe every cell starts from, before its values are applied (JSON, as the API writes recipes).</summary>
    public required string BaseRecipeJson { get; init; }

    /// <summary>Queued as drafts: every cell ran the pack's draft steps.</summary>
    public bool Draft { get; init; }

    public int ColumnCount => ColumnValues.Split(',').Length;

    public int RowCount => RowValues is null ? 1 : RowValues.Split(',').Length;

    /// <summary>The axes as a plan reads them ("motionBucketId=60,127,200"), columns first.</summary>
    public IReadOnlyList<SweepAxis> Axes()
    {
        var columns = SweepAxis.Parse($"{ColumnAxis}={ColumnValues}");
        return RowAxis is null ? [columns] : [columns, SweepAxis.Parse($"{RowAxis}={RowValues}")];
    }

    /// <summary>The plan again from the stored row: cells, labels and their recipes.</summary>
    public SweepPlan Plan() => SweepPlan.Create(SvdRecipe.FromJson(BaseRecipeJson), Axes(), pack: null);
}
