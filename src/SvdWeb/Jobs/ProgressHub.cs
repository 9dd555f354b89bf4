using Microsoft.AspNetCore.SignalR;
using SvdWeb.Accounts;

namespace SvdWeb.Jobs;

/// <summary>
/// Live progress for non-Blazor clients (scripts, other UIs). A client calls <see cref="Follow"/> with a job id and
/// then receives "progress" messages (<see cref="JobProgress"/>) until the job ends; the latest state is sent at once,
/// so joining late or reconnecting loses nothing. Blazor pages subscribe to <see cref="JobProgressBroadcaster"/>
/// directly, since they already run on the server. Someone else's private job cannot be followed: it reads as absent,
/// and a job made private while followed is withdrawn from those who may not see it ("unfollowed" with its id; see
/// <see cref="ProgressFollowers"/>). Revoking a token or disabling an account closes its connections.
/// Scripts may connect with their API token: <c>Authorization: Bearer svdw_…</c> on negotiate and HTTP transports, and
/// the <c>access_token</c> query parameter on the WebSocket request (SignalR clients' AccessTokenProvider does both).
/// </summary>
public sealed class ProgressHub(JobProgressBroadcaster broadcaster, JobService jobs, ProgressFollowers followers) : Hub
{
    public const string Path = "/hubs/progress";
    public const string ProgressMethod = "progress";

    public static string Group(Guid jobId) => $"job:{jobId:N}";

    public async Task Follow(Guid jobId)
    {
        if (await jobs.FindAsync(jobId, Context.ConnectionAborted).ConfigureAwait(false) is { } job
            && (Context.User is not { } user || !Ownership.MaySee(user, job)))
            throw new HubException($"There is no job {jobId}.");
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(jobId)).ConfigureAwait(false);
        followers.Followed(Context.ConnectionId, jobId);
        if (broadcaster.Latest(jobId) is { } latest)
            await Clients.Caller.SendAsync(ProgressMethod, latest).ConfigureAwait(false);
    }

    public Task Unfollow(Guid jobId)
    {
        followers.Unfollowed(Context.ConnectionId, jobId);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(jobId));
    }

    public override Task OnConnectedAsync()
    {
        followers.Connected(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        followers.Disconnected(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
