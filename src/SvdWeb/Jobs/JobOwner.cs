namespace SvdWeb.Jobs;

/// <summary>
/// Who a job belongs to: the account id (the queue's fairness key), the name shown on the queue page, and whether they
/// are an admin (exempt from the daily GPU quota).
/// </summary>
public sealed record JobOwner(string Id, string Name, bool IsAdmin = false)
{
    /// <summary>The built-in user when the server has no accounts and listens on loopback only; an admin.</summary>
    public static JobOwner Local { get; } = new("local", "local", IsAdmin: true);
}
