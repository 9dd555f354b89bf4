using SvdWeb.Packs;

namespace SvdWeb.Api;

/// <param name="License">The license file the pack ships, or null when it has none.</param>
/// <param name="LicenseAccepted">False while the pack's license waits for an admin (on /models or
/// POST /api/models/{name}/license/accept): submissions naming it are refused.</param>
public sealed record PackDto(string Name, bool Valid, IReadOnlyList<string> Problems, int? DefaultFrames, int? DefaultHeight, int? DefaultWidth,
    string? Precision, long? ParameterCount, long? SizeOnDiskBytes, bool IsDefault, string? License, bool LicenseAccepted)
{
    public static PackDto From(PackEntry entry, PackCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(catalog);
        return new(entry.Name, entry.IsValid, entry.Problems, entry.Pack?.DefaultFrames, entry.Pack?.DefaultHeight, entry.Pack?.DefaultWidth,
            entry.Pack?.Precision.ToString(), entry.Pack?.ParameterCount, entry.Pack?.SizeOnDiskBytes, entry.Name == catalog.DefaultPack,
            entry.Pack?.License?.FileName, entry.Pack is null || catalog.Administration.IsLicenseAccepted(entry.Pack));
    }
}
