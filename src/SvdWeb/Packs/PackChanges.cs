
namespace SvdWeb.Packs;

/// <summary>What a <see cref="PackCatalog.Rescan"/> found since the previous scan, pack names in ordinal order.</summary>
public sealed record PackChanges(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed)
{
    public bool Any => Added.Count + Removed.Count + Changed.Count > 0;
}
