namespace SvdWeb.Jobs;

/// <summary>A pack a worker can run: its folder name and the hash of its files, which a job must match to run there.</summary>
public sealed record PackOffer(string Name, string Hash)
{
    public static string Format(IEnumerable<PackOffer> offers) => string.Join('\n', offers.Select(o => $"{o.Name}={o.Hash}"));

    public static IReadOnlyList<PackOffer> Parse(string packs)
    {
        ArgumentNullException.ThrowIfNull(packs);
        return [.. packs.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2).Select(parts => new PackOffer(parts[0], parts[1]))];
    }
}
