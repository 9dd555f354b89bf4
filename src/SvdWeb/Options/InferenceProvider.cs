namespace SvdWeb.Options;

/// <summary>Which ONNX Runtime provider runs the packs on a CUDA device (setting SvdWeb:Inference:Provider).</summary>
public enum InferenceProvider
{
    /// <summary>ONNX Runtime's CUDA provider (the default; needs CUDA 13 and cuDNN 9).</summary>
    Cuda,

    /// <summary>
    /// TensorRT 10 with the CUDA provider for what TensorRT cannot take. Opt-in: each new run shape builds an engine
    /// first (minutes for the full-size UNet), cached under the data folder's tensorrt-cache; a worker without
    /// TensorRT's libraries fails to load the pack, naming them.
    /// </summary>
    TensorRt,
}
