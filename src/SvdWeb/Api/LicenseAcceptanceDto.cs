using SvdWeb.Packs;

namespace SvdWeb.Api;

/// <summary>An admin's acceptance of a pack's license, as POST /api/models/{name}/license/accept answers it.</summary>
/// <param name="Model">The pack's folder name.</param>
/// <param name="LicenseFile">The license file in the pack root, e.g. "LICENSE.md".</param>
/// <param name="LicenseSha256">SHA-256 of that file, lowercase hex: the acceptance holds for exactly this text.</param>
/// <param name="AcceptedBy">The admin's user name.</param>
/// <param name="AcceptedUtc">When the license was first accepted; accepting again keeps this time.</param>
public sealed record LicenseAcceptanceDto(string Model, string LicenseFile, string LicenseSha256, string AcceptedBy, DateTime AcceptedUtc)
{
    public static LicenseAcceptanceDto From(PackLicenseAcceptance acceptance)
    {
        ArgumentNullException.ThrowIfNull(acceptance);
        return new(acceptance.PackName, acceptance.LicenseFile, acceptance.LicenseSha256, acceptance.AcceptedByName, acceptance.AcceptedUtc);
    }
}
