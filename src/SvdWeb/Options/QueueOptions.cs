namespace SvdWeb.Options;

/// <summary>How workers hold their jobs (section SvdWeb:Queue): the lease each claim takes and how it is kept.</summary>
public sealed class QueueOptions
{
    /// <summary>
    /// How long a claimed job stays a worker's without a heartbeat; after that it is taken back and runs elsewhere.
    /// Defaults to 30 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker renews the lease of the job it runs. Defaults to 5 seconds (below a third of the lease).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often an idle worker looks for a job that another process queued (a job queued in this process wakes it at
    /// once). Defaults to 1 second.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts whose lease expired after which a job is Interrupted instead of run again. Defaults to 2.</summary>
    public int MaxLostAttempts { get; set; } = 2;
}
