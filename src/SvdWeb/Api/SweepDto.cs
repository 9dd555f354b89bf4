using SvdWeb.Gallery;
using SvdWeb.Inference.Sweeps;
using SvdWeb.Jobs;

namespace SvdWeb.Api;

/// <summary>
/// A sweep as the REST API shows it: the varied settings (<c>Columns</c>, and <c>Rows</c> for two), and each cell with
/// its job (GET /api/jobs/{jobId} for everything about it), place, label, values and status. <c>GridReady</c>: every
/// cell succeeded, so GET /api/sweeps/{id}/grid.mp4 answers with the side-by-side video.
/// </summary>
public sealed record SweepDto(
    Guid Id,
    DateTime CreatedUtc,
    string Owner,
    string Model,
    string InputFileName,
    bool Draft,
    SweepAxisDto Columns,
    SweepAxisDto? Rows,
    IReadOnlyList<SweepCellDto> Cells,
    bool GridReady)
{
    public static SweepDto From(Sweep sweep, IReadOnlyList<Job> cells, Func<Guid, JobProgress?>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(cells);
        var plan = sweep.Plan();
        var byPlace = plan.Cells.ToDictionary(c => (c.Row, c.Column));
        var dtos = cells.Select(job =>
        {
            var place = byPlace[(job.SweepRow ?? 0, job.SweepColumn ?? 0)];
            var values = new Dictionary<string, double>(StringComparer.Ordinal) { [plan.Columns.Parameter.Name] = plan.Columns.Values[place.Column] };
            if (plan.Rows is { } rows) values[rows.Parameter.Name] = rows.Values[place.Row];
            var latest = progress?.Invoke(job.Id);
            return new SweepCellDto(job.Id, place.Row, place.Column, place.Label, values, job.Status,
                job.IsFinished || latest is null ? null : latest.Fraction, job.Error);
        }).ToList();
        return new SweepDto(sweep.Id, sweep.CreatedUtc, sweep.OwnerName, sweep.ModelName, sweep.InputFileName, sweep.Draft,
            SweepAxisDto.From(plan.Columns), plan.Rows is null ? null : SweepAxisDto.From(plan.Rows), dtos,
            IsGridReady(plan, cells));
    }

    /// <summary>Every cell of the plan is there and succeeded.</summary>
    public static bool IsGridReady(SweepPlan plan, IReadOnlyList<Job> cells)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(cells);
        return cells.Count == plan.Cells.Count && cells.All(c => c.Status == JobStatus.Succeeded);
    }
}

/// <summary>One varied setting: its recipe name (camelCase) and the values, in grid order.</summary>
public sealed record SweepAxisDto(string Parameter, IReadOnlyList<double> Values)
{
    public static SweepAxisDto From(SweepAxis axis)
    {
        ArgumentNullException.ThrowIfNull(axis);
        return new(axis.Parameter.Name, axis.Values);
    }
}

/// <summary>One cell: its job, place (row 0 for one setting), label, the values of the varied settings, and progress (0–1) while it runs.</summary>
public sealed record SweepCellDto(Guid JobId, int Row, int Column, string Label, IReadOnlyDictionary<string, double> Values, JobStatus Status, double? Progress, string? Error);
