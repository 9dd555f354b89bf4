using Microsoft.Extensions.Logging;

namespace SvdWeb.Inference.Loop;

/// <summary>The CUDA graph messages (Inference README §4.9.1): each says what runs instead.</summary>
internal static partial class CudaGraphLog
{
    [LoggerMessage(20, LogLevel.Warning, "CUDA graph {GraphId} of the UNet for run shape {Shape} failed; this shape runs without CUDA graphs from now on (same frames, a little slower). ONNX Runtime said: {Error}")]
    public static partial void ShapeFailed(ILogger logger, int graphId, string shape, string error);

    [LoggerMessage(21, LogLevel.Warning, "The UNet session cannot use CUDA graphs; it runs without them (same frames, a little slower). ONNX Runtime said: {Error}")]
    public static partial void SessionWithoutGraphs(ILogger logger, string error);

    [LoggerMessage(22, LogLevel.Information, "The UNet is captured as CUDA graphs, one per run shape, at most {Shapes} kept.")]
    public static partial void Enabled(ILogger logger, int shapes);

    [LoggerMessage(23, LogLevel.Information, "The UNet session was made again in {Seconds:F1} s to free {Retired} CUDA graphs of run shapes no longer kept.")]
    public static partial void SessionRemade(ILogger logger, int retired, double seconds);

    /// <summary>ONNX Runtime's message up to its first line break, at most 300 characters: enough to name the node or call.</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
