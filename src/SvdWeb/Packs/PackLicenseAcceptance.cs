
namespace SvdWeb.Packs;

/// <summary>
/// An admin accepted a pack's license. It holds for that pack name and that exact license text (its SHA-256): a pack
/// whose license file changes asks again. Rows are kept, so the page can say who accepted what and when.
/// </summary>
public sealed class PackLicenseAcceptance
{
    public int Id { get; init; }

    /// <summary>The pack folder's name, e.g. "svd-xt".</summary>
    public required string PackName { get; init; }

    /// <summary>The license file in the pack root, e.g. "LICENSE.md".</summary>
    public required string LicenseFile { get; init; }

    /// <summary>SHA-256 of the license file's bytes, lowercase hex.</summary>
    public required string LicenseSha256 { get; init; }

    /// <summary>SHA-256 of the whole pack when it was accepted, if it was already computed; for the record only.</summary>
    public string? PackHash { get; init; }

    public required string AcceptedById { get; init; }

    public required string AcceptedByName { get; init; }

    public DateTime AcceptedUtc { get; init; }
}
