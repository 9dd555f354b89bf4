namespace SvdWeb.Jobs;

/// <summary>Who a job belongs to: the account id (the queue's fairness key) and the name shown on the queue page.</summary>
public sealed record JobOwner(string Id, string Name)
{
    /// <summary>The built-in user when the server has no accounts and listens on loopback only.</summary>
    public static JobOwner Local { get; } = new("local", "local");
}
