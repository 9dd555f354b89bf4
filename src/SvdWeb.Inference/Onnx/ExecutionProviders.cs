namespace SvdWeb.Inference.Onnx;

/// <summary>Which execution provider a device setting gets on this machine, without loading a model.</summary>
public static class ExecutionProviders
{
    /// <summary>
    /// CUDA when its provider loads (for Auto and Cuda), else CPU with the loader's reason; Cuda that cannot load throws
    /// with what to install. The same answer <see cref="SvdPipeline.Load"/> reaches.
    /// </summary>
    public static ExecutionProviderInfo Probe(ExecutionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return SessionFactory.Probe(settings);
    }
}
