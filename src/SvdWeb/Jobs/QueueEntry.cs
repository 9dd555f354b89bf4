using SvdWeb.Gallery;

namespace SvdWeb.Jobs;

/// <summary>A waiting or running job with its place in line and an estimate of when it will be done.</summary>
/// <param name="Position">0 for running jobs, then 1, 2, … in the order workers will take them.</param>
/// <param name="EstimatedSecondsLeft">Until this job finishes, including the jobs ahead; null until a comparable job has been timed.</param>
public sealed record QueueEntry(Job Job, int Position, double? EstimatedSecondsLeft);
