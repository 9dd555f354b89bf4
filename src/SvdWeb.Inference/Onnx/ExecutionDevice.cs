namespace SvdWeb.Inference.Onnx;

/// <summary>Where ONNX Runtime runs the four models.</summary>
public enum ExecutionDevice
{
    /// <summary>CUDA when its provider loads (CUDA 13 + cuDNN 9 libraries present), otherwise CPU; the choice and its reason are reported.</summary>
    Auto,

    /// <summary>CPU only.</summary>
    Cpu,

    /// <summary>CUDA only: fail at load with the loader's message rather than fall back to CPU.</summary>
    Cuda,
}
