using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using SvdWeb.Gallery;
using SvdWeb.Options;

namespace SvdWeb.Jobs;

/// <summary>
/// Carries live events between the processes of a several-host setup through PostgreSQL's LISTEN/NOTIFY: a job's
/// progress and latent previews (published by the worker that runs it), visibility changes, deletions, and dropped
/// accounts and tokens (made on any web node). Each process publishes what happens in it and delivers what the others publish to
/// its own pages and hub clients, so a page on any web node follows a job running on any GPU host.
/// </summary>
/// <remarks>
/// A notification's payload is at most 8,000 bytes, less than a preview PNG at real sizes, so a message is sent as
/// UTF-8 JSON in base64, cut into numbered parts that the receivers put back together (parts of one sender arrive in
/// order). Sending never blocks the publisher: messages wait in a bounded queue that drops the oldest when the
/// database is slower than the progress. Lost messages cost a step of progress, never a job: the row stays the truth.
/// </remarks>
public sealed partial class ProgressRelay(
    JobProgressBroadcaster broadcaster,
    ProgressFollowers followers,
    IDbContextFactory<GalleryDbContext> dbFactory,
    IOptions<SvdWebOptions> options,
    ILogger<ProgressRelay> logger) : BackgroundService
{
    public const string Channel = "svdweb_progress";

    // Base64 characters per notification: the header and the quoting stay well inside PostgreSQL's 8,000 bytes.
    internal const int PartLength = 7000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Tells this process's own notifications (which LISTEN also delivers) from its peers'.
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly Channel<RelayMessage> _outgoing = System.Threading.Channels.Channel.CreateBounded<RelayMessage>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ConcurrentDictionary<(string Origin, long Id), StringBuilder> _incoming = new();
    private long _nextMessage;

    /// <summary>Set once LISTEN is in place (tests wait for it before publishing on another node).</summary>
    public Task Listening => _listening.Task;

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        broadcaster.PublishedHere += OnProgress;
        broadcaster.VisibilityChangedHere += OnVisibilityChanged;
        broadcaster.RemovedHere += OnRemoved;
        followers.UserDroppedHere += OnUserDropped;
        followers.TokenDroppedHere += OnTokenDropped;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(options.Value.Database.ConnectionString!);
            await Task.WhenAll(ListenAsync(dataSource, stoppingToken), SendAsync(dataSource, stoppingToken)).ConfigureAwait(false);
        }
        finally
        {
            broadcaster.PublishedHere -= OnProgress;
            broadcaster.VisibilityChangedHere -= OnVisibilityChanged;
            broadcaster.RemovedHere -= OnRemoved;
            followers.UserDroppedHere -= OnUserDropped;
            followers.TokenDroppedHere -= OnTokenDropped;
        }
    }

    private void OnProgress(JobProgress progress) => _outgoing.Writer.TryWrite(new RelayMessage(RelayKind.Progress, progress.JobId, null, progress));

    private void OnVisibilityChanged(Guid jobId) => _outgoing.Writer.TryWrite(new RelayMessage(RelayKind.Visibility, jobId, null, null));

    private void OnRemoved(Guid jobId) => _outgoing.Writer.TryWrite(new RelayMessage(RelayKind.Removed, jobId, null, null));

    private void OnUserDropped(string userId) => _outgoing.Writer.TryWrite(new RelayMessage(RelayKind.UserDropped, null, userId, null));

    private void OnTokenDropped(Guid tokenId) => _outgoing.Writer.TryWrite(new RelayMessage(RelayKind.TokenDropped, tokenId, null, null));

    private async Task SendAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var id = Interlocked.Increment(ref _nextMessage);
                var parts = Parts(_origin, id, JsonSerializer.SerializeToUtf8Bytes(message, Json));
                try
                {
                    foreach (var part in parts)
                    {
                        await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
                        command.Parameters.Add(new NpgsqlParameter { Value = Channel });
                        command.Parameters.Add(new NpgsqlParameter { Value = part });
                        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
                {
                    Log.SendFailed(logger, message.Kind, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>"origin|id|part|count|base64 slice", each under the payload limit.</summary>
    internal static IReadOnlyList<string> Parts(string origin, long id, ReadOnlySpan<byte> utf8Json)
    {
        var encoded = Convert.ToBase64String(utf8Json);
        var count = Math.Max(1, (encoded.Length + PartLength - 1) / PartLength);
        var parts = new string[count];
        for (var i = 0; i < count; i++)
        {
            var start = i * PartLength;
            parts[i] = $"{origin}|{id}|{i}|{count}|{encoded.AsSpan(start, Math.Min(PartLength, encoded.Length - start))}";
        }
        return parts;
    }

    private async Task ListenAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                connection.Notification += (_, e) => Received(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                Log.Listening(logger);
                _listening.TrySetResult();
                retry = TimeSpan.FromSeconds(1);
                while (true) await connection.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // Live events from other hosts pause while the database is away; the rows stay right, so pages catch
                // up with the next event after the connection is back.
                Log.ListenLost(logger, retry.TotalSeconds, ex.Message);
                await Task.Delay(retry, ct).ConfigureAwait(false);
                retry = TimeSpan.FromSeconds(Math.Min(30, retry.TotalSeconds * 2));
            }
        }
    }

    private void Received(string payload)
    {
        var fields = payload.Split('|', 5);
        if (fields.Length != 5 || fields[0] == _origin
            || !long.TryParse(fields[1], out var id) || !int.TryParse(fields[2], out var part) || !int.TryParse(fields[3], out var count)
            || part < 0 || part >= count)
            return;
        var key = (fields[0], id);
        string encoded;
        if (count == 1)
        {
            encoded = fields[4];
        }
        else
        {
            // Parts of a sender that died mid-message would stay forever: a handful in flight is normal, more is debris.
            if (part == 0 && _incoming.Count > 64) _incoming.Clear();
            var buffer = part == 0 ? _incoming[key] = new StringBuilder() : _incoming.GetValueOrDefault(key);
            // A part whose beginning was missed (this process started, or the connection came back, mid-message).
            if (buffer is null) return;
            buffer.Append(fields[4]);
            if (part < count - 1) return;
            _incoming.TryRemove(key, out _);
            encoded = buffer.ToString();
        }
        RelayMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<RelayMessage>(Convert.FromBase64String(encoded), Json);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            Log.Unreadable(logger, ex.Message);
            return;
        }
        if (message is not null) _ = DeliverAsync(message);
    }

    private async Task DeliverAsync(RelayMessage message)
    {
        try
        {
            switch (message.Kind)
            {
                case RelayKind.Progress when message.Progress is { } progress:
                    broadcaster.PublishFromPeer(progress);
                    break;
                case RelayKind.Visibility when message.Id is { } jobId:
                    await using (var db = await dbFactory.CreateDbContextAsync().ConfigureAwait(false))
                    {
                        if (await db.Jobs.AsNoTracking().FirstOrDefaultAsync(g => g.Id == jobId).ConfigureAwait(false) is { IsPrivate: true } job)
                            await followers.RecheckAsync(job).ConfigureAwait(false);
                    }
                    broadcaster.PublishVisibilityChangedFromPeer(jobId);
                    break;
                case RelayKind.Removed when message.Id is { } removed:
                    broadcaster.PublishRemovedFromPeer(removed);
                    break;
                case RelayKind.UserDropped when message.UserId is { } userId:
                    followers.DropUserFromPeer(userId);
                    break;
                case RelayKind.TokenDropped when message.Id is { } tokenId:
                    followers.DropTokenFromPeer(tokenId);
                    break;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            Log.DeliverFailed(logger, message.Kind, ex.Message);
        }
    }

    internal enum RelayKind
    {
        Progress,
        Visibility,
        Removed,
        UserDropped,
        TokenDropped,
    }

    /// <param name="Id">The job (progress, visibility) or the API token (token dropped).</param>
    internal sealed record RelayMessage(RelayKind Kind, Guid? Id, string? UserId, JobProgress? Progress);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Listening for other processes' job progress on PostgreSQL channel " + Channel + ".")]
        public static partial void Listening(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "Lost the PostgreSQL connection that receives other processes' job progress ({Reason}); trying again in {Seconds} s. Pages here show live progress only of jobs run by this process meanwhile.")]
        public static partial void ListenLost(ILogger logger, double seconds, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Could not pass a {Kind} event to the other processes through PostgreSQL: {Reason}")]
        public static partial void SendFailed(ILogger logger, RelayKind kind, string reason);

        [LoggerMessage(4, LogLevel.Warning, "An event from another process could not be read and was skipped: {Reason}")]
        public static partial void Unreadable(ILogger logger, string reason);

        [LoggerMessage(5, LogLevel.Warning, "An event from another process ({Kind}) could not be delivered here: {Reason}")]
        public static partial void DeliverFailed(ILogger logger, RelayKind kind, string reason);
    }
}
