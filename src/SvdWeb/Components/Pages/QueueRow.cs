using SvdWeb.Jobs;

namespace SvdWeb.Components.Pages;

/// <summary>
/// One job's row on the queue page: the same object from refresh to refresh, holding that job's latest entry.
/// </summary>
/// <remarks>
/// MudTable keys its rows by item. Every refresh reads new <see cref="QueueEntry"/> values (each with a new Job from
/// the database), so rows keyed by entries were disposed and made again with each progress refresh, twice a second
/// while a job ran. A click that reached the server after its row had been remade found its button disposed, and
/// Blazor dropped it ("component already disposed"): Cancel or a move sometimes did nothing, more often the slower
/// the server or the network. A row kept per job keeps its buttons, and their event handlers, for as long as the job
/// is listed.
/// </remarks>
public sealed class QueueRow
{
    private QueueRow(QueueEntry entry) => Entry = entry;

    public QueueEntry Entry { get; private set; }

    /// <summary>The rows for <paramref name="entries"/>, in their order, reusing the row of every job already in
    /// <paramref name="previous"/> (updated to its new entry); jobs no longer listed lose their rows.</summary>
    public static IReadOnlyList<QueueRow> Update(IReadOnlyList<QueueRow> previous, IReadOnlyList<QueueEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(entries);
        var byJob = previous.ToDictionary(r => r.Entry.Job.Id);
        var rows = new List<QueueRow>(entries.Count);
        foreach (var entry in entries)
        {
            if (byJob.TryGetValue(entry.Job.Id, out var row)) row.Entry = entry;
            else row = new QueueRow(entry);
            rows.Add(row);
        }
        return rows;
    }
}
