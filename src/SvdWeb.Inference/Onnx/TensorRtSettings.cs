namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Opt-in TensorRT execution provider on a CUDA device. TensorRT compiles the UNet and VAE graphs into engines for the
/// input shapes it sees; nodes it cannot take (the fused MultiHeadAttention contrib op among them) stay on the CUDA
/// provider, which is appended after it.
/// </summary>
/// <param name="EngineCacheFolder">Where built engines and TensorRT's timing cache are kept. An engine is built on the
/// first run at a shape (minutes for the full-size UNet) and reused after that, across restarts; the folder belongs to
/// one GPU model and TensorRT version (engines are not portable between them).</param>
public sealed record TensorRtSettings(string EngineCacheFolder);
