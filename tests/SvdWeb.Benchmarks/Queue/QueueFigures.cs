namespace SvdWeb.Benchmarks.Queue;

/// <summary>One setup's figures (a row of the README's table): its measured round.</summary>
internal sealed record QueueFigures(string Setup, QueueRound Round);
