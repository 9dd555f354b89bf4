namespace SvdWeb.Jobs;

/// <summary>
/// A worker's row (one per device worker, keyed by <see cref="JobClaims.WorkerName"/>): the packs it can run with
/// their hashes, and when it last said so. A web node reads these rows to tell a waiting job's owner that no live
/// worker has its pack, which it cannot see from its own models folder.
/// </summary>
public sealed class WorkerOffer
{
    public required string Name { get; init; }

    /// <summary>"name=hash" per pack, one a line (see <see cref="PackOffer"/>).</summary>
    public required string Packs { get; set; }

    public DateTime HeartbeatUtc { get; set; }
}
