namespace SvdWeb.Jobs;

/// <summary>The recipe's estimated peak GPU memory is more than the GPU has; the message says what to change. Nothing was stored.</summary>
public sealed class InsufficientGpuMemoryException(string message) : Exception(message);
