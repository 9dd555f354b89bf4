namespace SvdWeb.Jobs;

/// <summary>What a heartbeat found (<see cref="JobClaims.RenewAsync"/>).</summary>
public enum LeaseRenewal
{
    /// <summary>The lease is this attempt's for another lease duration.</summary>
    Renewed,

    /// <summary>Renewed, and someone asked to cancel the job (on any web node).</summary>
    CancelRequested,

    /// <summary>The job is no longer this attempt's (its lease expired and it went back to the queue, or it was deleted): stop.</summary>
    Lost,
}
