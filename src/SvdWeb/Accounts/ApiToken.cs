namespace SvdWeb.Accounts;

/// <summary>
/// A personal access token for the REST API. Only the SHA-256 of the secret is stored: the secret is shown once, when
/// made, and cannot be recovered. Revoked tokens are kept (with <see cref="RevokedUtc"/>) so the list shows what was used.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; init; }

    /// <summary>The account it acts as ("local" for the built-in user of a server without accounts).</summary>
    public required string UserId { get; init; }

    public required string Name { get; init; }

    /// <summary>The secret's first 8 characters after "svdw_", shown in the list so a user can tell tokens apart.</summary>
    public required string Prefix { get; init; }

    /// <summary>SHA-256 of the whole secret, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    public DateTime CreatedUtc { get; init; }

    /// <summary>Updated at most once a minute, so a busy script does not write on every request.</summary>
    public DateTime? LastUsedUtc { get; set; }

    public DateTime? RevokedUtc { get; set; }
}
