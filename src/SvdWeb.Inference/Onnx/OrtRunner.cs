using Microsoft.ML.OnnxRuntime;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Runs a session call with cancellation that reaches into a run in flight (<see cref="RunOptions.Terminate"/>), and
/// turns ONNX Runtime's generic failures into the two cases a user can act on: cancelled, and out of memory.
/// </summary>
internal static class OrtRunner
{
    /// <summary>The run option that selects a CUDA graph in a session made with <c>enable_cuda_graph</c>: the first run
    /// with an id captures (after a warm-up run, inside the same call), later runs replay. 0 is ONNX Runtime's own.</summary>
    public const string GraphIdKey = "gpu_graph_id";

    /// <summary>The <see cref="GraphIdKey"/> value for a run that neither captures nor replays.</summary>
    public const int NoGraph = -1;

    /// <param name="graphId">When set, passed as <see cref="GraphIdKey"/>; providers without graphs ignore it.</param>
    public static T Run<T>(string stage, CancellationToken ct, Func<RunOptions, T> run, int? graphId = null)
    {
        ct.ThrowIfCancellationRequested();
        using var runOptions = new RunOptions();
        if (graphId is { } id) runOptions.AddRunConfigEntry(GraphIdKey, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var registration = ct.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
        T result;
        try
        {
            result = run(runOptions);
        }
        catch (OnnxRuntimeException) when (ct.IsCancellationRequested)
        {
            // ORT reports a terminated run as a generic failure; the token says it was ours.
            throw new OperationCanceledException(ct);
        }
        catch (OnnxRuntimeException ex) when (IsOutOfMemory(ex))
        {
            throw new GpuOutOfMemoryException(stage, ex);
        }
        if (ct.IsCancellationRequested)
        {
            (result as IDisposable)?.Dispose();
            ct.ThrowIfCancellationRequested();
        }
        return result;
    }

    /// <summary>
    /// ORT has no error code for allocation failure; CUDA's BFC arena, cuBLAS and cuDNN each word it differently.
    /// These are the phrasings ORT 1.x emits for them.
    /// </summary>
    internal static bool IsOutOfMemory(OnnxRuntimeException ex) =>
        ex.Message.Contains("Failed to allocate memory", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || ex.Message.Contains("CUBLAS_STATUS_ALLOC_FAILED", StringComparison.Ordinal)
        || ex.Message.Contains("CUDNN_STATUS_ALLOC_FAILED", StringComparison.Ordinal)
        || ex.Message.Contains("cudaErrorMemoryAllocation", StringComparison.Ordinal);
}
