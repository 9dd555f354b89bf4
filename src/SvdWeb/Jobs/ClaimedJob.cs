namespace SvdWeb.Jobs;

/// <summary>A job a worker holds: its id and the attempt number that fences every write of this run.</summary>
public sealed record ClaimedJob(Guid Id, int Attempt, string LeaseOwner);
