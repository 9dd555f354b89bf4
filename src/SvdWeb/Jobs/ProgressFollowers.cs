using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using SvdWeb.Accounts;
using SvdWeb.Gallery;

namespace SvdWeb.Jobs;

/// <summary>
/// Who follows which job on the progress hub, so what was allowed when <see cref="ProgressHub.Follow"/> checked can be
/// withdrawn later: when a job turns private, followers who may no longer see it leave its group and get an
/// "unfollowed" message; when an API token is revoked or an account disabled, the hub connections signed in with it
/// are closed (a new one is refused at authentication).
/// </summary>
public sealed partial class ProgressFollowers(IHubContext<ProgressHub> hub, ILogger<ProgressFollowers> logger)
{
    public const string UnfollowedMethod = "unfollowed";

    private readonly ConcurrentDictionary<string, Follower> _connections = new(StringComparer.Ordinal);

    public void Connected(HubCallerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _connections[context.ConnectionId] = new Follower(context);
    }

    public void Disconnected(string connectionId) => _connections.TryRemove(connectionId, out _);

    public void Followed(string connectionId, Guid jobId)
    {
        if (_connections.TryGetValue(connectionId, out var follower)) lock (follower.Jobs) follower.Jobs.Add(jobId);
    }

    public void Unfollowed(string connectionId, Guid jobId)
    {
        if (_connections.TryGetValue(connectionId, out var follower)) lock (follower.Jobs) follower.Jobs.Remove(jobId);
    }

    /// <summary>After the job's visibility changed: everyone following it who may not see it now stops receiving it.</summary>
    public async Task RecheckAsync(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        foreach (var (connectionId, follower) in _connections)
        {
            bool follows;
            lock (follower.Jobs) follows = follower.Jobs.Contains(job.Id);
            if (!follows || (follower.Context.User is { } user && Ownership.MaySee(user, job))) continue;
            await hub.Groups.RemoveFromGroupAsync(connectionId, ProgressHub.Group(job.Id)).ConfigureAwait(false);
            lock (follower.Jobs) follower.Jobs.Remove(job.Id);
            await hub.Clients.Client(connectionId).SendAsync(UnfollowedMethod, job.Id).ConfigureAwait(false);
            Log.Unfollowed(logger, connectionId, job.Id);
        }
    }

    /// <summary>Raised when this process drops an account's connections, for <see cref="ProgressRelay"/> to tell the
    /// other web nodes, whose hubs hold connections of their own.</summary>
    public event Action<string>? UserDroppedHere;

    /// <summary>Raised when this process drops a token's connections (see <see cref="UserDroppedHere"/>).</summary>
    public event Action<Guid>? TokenDroppedHere;

    /// <summary>Closes the connections of an account (disabled, or otherwise no longer allowed in).</summary>
    public void DropUser(string userId)
    {
        DropUserFromPeer(userId);
        UserDroppedHere?.Invoke(userId);
    }

    /// <summary>Closes the connections that signed in with this API token.</summary>
    public void DropToken(Guid tokenId)
    {
        DropTokenFromPeer(tokenId);
        TokenDroppedHere?.Invoke(tokenId);
    }

    /// <summary>Another process dropped the account: its connections here close too, and it is not relayed back.</summary>
    public void DropUserFromPeer(string userId) =>
        Drop(user => user.FindFirstValue(ClaimTypes.NameIdentifier) == userId, $"account {userId}");

    /// <summary>Another process dropped the token (see <see cref="DropUserFromPeer"/>).</summary>
    public void DropTokenFromPeer(Guid tokenId) =>
        Drop(user => user.FindFirstValue(ApiTokenHandler.TokenIdClaim) == tokenId.ToString("D"), $"token {tokenId}");

    private void Drop(Func<ClaimsPrincipal, bool> signedInWith, string what)
    {
        foreach (var (connectionId, follower) in _connections)
        {
            if (follower.Context.User is not { } user || !signedInWith(user)) continue;
            _connections.TryRemove(connectionId, out _);
            follower.Context.Abort();
            Log.Dropped(logger, connectionId, what);
        }
    }

    private sealed class Follower(HubCallerContext context)
    {
        public HubCallerContext Context { get; } = context;

        public HashSet<Guid> Jobs { get; } = [];
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Hub connection {ConnectionId} no longer follows job {JobId}: it was made private.")]
        public static partial void Unfollowed(ILogger logger, string connectionId, Guid jobId);

        [LoggerMessage(2, LogLevel.Information, "Hub connection {ConnectionId} closed: {What} may no longer sign in.")]
        public static partial void Dropped(ILogger logger, string connectionId, string what);
    }
}
