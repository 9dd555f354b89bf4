namespace SvdWeb.Jobs;

/// <summary>
/// The owner column of the queue page. With SvdWeb:AnonymiseQueue, other people's jobs show as "user 1", "user 2", …
/// numbered in queue order (the same person keeps one number on the page); the viewer's own jobs show their name.
/// </summary>
public static class QueueOwnerLabels
{
    public static IReadOnlyDictionary<Guid, string> For(IReadOnlyList<QueueEntry> entries, string viewerId, bool anonymise)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var labels = new Dictionary<Guid, string>(entries.Count);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var job = entry.Job;
            if (!anonymise || string.Equals(job.OwnerId, viewerId, StringComparison.Ordinal))
            {
                labels[job.Id] = job.OwnerName;
                continue;
            }
            if (!numbers.TryGetValue(job.OwnerId, out var number)) numbers[job.OwnerId] = number = numbers.Count + 1;
            labels[job.Id] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"user {number}");
        }
        return labels;
    }
}
