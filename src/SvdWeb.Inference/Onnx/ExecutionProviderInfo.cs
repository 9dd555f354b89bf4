namespace SvdWeb.Inference.Onnx;

/// <summary>The execution provider the sessions use and why, in words fit for a log line and the UI's device badge.</summary>
/// <param name="Provider">"CUDA", "TensorRT" (on a CUDA device, with CUDA for the nodes TensorRT cannot take) or "CPU".</param>
/// <param name="DeviceId">The CUDA device ordinal, or null on CPU.</param>
/// <param name="Reason">Why this provider, e.g. "CUDA unavailable (libcublasLt.so.13: cannot open shared object file); running on CPU."</param>
public sealed record ExecutionProviderInfo(string Provider, int? DeviceId, string Reason)
{
    public const string Cuda = "CUDA", TensorRt = "TensorRT", Cpu = "CPU";

    /// <summary>True when tensors live in CUDA device memory: the CUDA provider, or TensorRT on top of it.</summary>
    public bool IsCuda => Provider is Cuda or TensorRt;

    public bool IsTensorRt => Provider == TensorRt;

    public override string ToString() => DeviceId is { } id ? $"{Provider}:{id}" : Provider;
}
