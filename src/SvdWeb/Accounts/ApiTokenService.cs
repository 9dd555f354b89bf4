using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using SvdWeb.Gallery;

namespace SvdWeb.Accounts;

/// <summary>A token just made: the secret exists only here, to be shown once.</summary>
public sealed record NewApiToken(ApiToken Token, string Secret);

/// <summary>
/// Personal access tokens: "svdw_" and 32 random bytes in base64url. The database holds only their SHA-256, so a copy
/// of it cannot be used to call the API. Each call uses a short-lived context (safe from a Blazor circuit).
/// </summary>
public sealed partial class ApiTokenService(IDbContextFactory<GalleryDbContext> dbFactory, TimeProvider time, Jobs.ProgressFollowers followers, ILogger<ApiTokenService> logger)
{
    public const string SecretPrefix = "svdw_";

    public const int MaxNameLength = 100;

    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public async Task<NewApiToken> CreateAsync(string userId, string name, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0)
            throw new AccountException("Give the token a name that says where it is used, such as \"lab script\".");
        if (trimmed.Length > MaxNameLength)
            throw new AccountException($"The token name is {trimmed.Length} characters long; use at most {MaxNameLength}.");
        var secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            Name = trimmed,
            Prefix = secret.Substring(SecretPrefix.Length, 8),
            Sha256 = Hash(secret),
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        Log.Created(logger, token.Id, userId, trimmed);
        return new NewApiToken(token, secret);
    }

    /// <summary>The user's tokens, newest first, revoked ones included.</summary>
    public async Task<IReadOnlyList<ApiToken>> ListAsync(string userId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).ToListAsync(ct).ConfigureAwait(false);
        return tokens.OrderByDescending(t => t.CreatedUtc).ToArray();
    }

    /// <summary>Revokes one of the user's own tokens; it stops working at its next request, and its hub connections close.</summary>
    public async Task RevokeAsync(string userId, Guid tokenId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct).ConfigureAwait(false)
            ?? throw new AccountException($"You have no token {tokenId}; reload the page.");
        if (token.RevokedUtc is not null) return;
        token.RevokedUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        // Hub connections authenticate once, when they open: close the ones this token opened.
        followers.DropToken(token.Id);
        Log.Revoked(logger, token.Id, userId);
    }

    /// <summary>The token with this secret, revoked or not; null when no token has it.</summary>
    public async Task<ApiToken?> FindBySecretAsync(string secret, CancellationToken ct)
    {
        var hash = Hash(secret);
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        return await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Sha256 == hash, ct).ConfigureAwait(false);
    }

    /// <summary>Records a use, unless one was recorded less than a minute ago.</summary>
    public async Task TouchAsync(ApiToken token, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(token);
        var now = time.GetUtcNow().UtcDateTime;
        if (token.LastUsedUtc is { } last && now - last < TouchInterval) return;
        var due = now - TouchInterval;
        await using var db = await dbFactory.CreateDbContextAsync(ct).ConfigureAwait(false);
        await db.ApiTokens.Where(t => t.Id == token.Id && (t.LastUsedUtc == null || t.LastUsedUtc < due))
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedUtc, now), ct).ConfigureAwait(false);
    }

    public static string Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "API token {TokenId} \"{Name}\" made for account {UserId}.")]
        public static partial void Created(ILogger logger, Guid tokenId, string userId, string name);

        [LoggerMessage(2, LogLevel.Information, "API token {TokenId} of account {UserId} revoked.")]
        public static partial void Revoked(ILogger logger, Guid tokenId, string userId);
    }
}
