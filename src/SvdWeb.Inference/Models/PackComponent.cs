namespace SvdWeb.Inference.Models;

/// <summary>The four ONNX graphs of a model pack (Inference README §3), in the order the pipeline runs them.</summary>
public enum PackComponent
{
    /// <summary><c>image_encoder/model.onnx</c>: CLIP vision tower with projection.</summary>
    ImageEncoder,

    /// <summary><c>vae_encoder/model.onnx</c>: VAE encoder up to the latent distribution's mode.</summary>
    VaeEncoder,

    /// <summary><c>vae_decoder/model.onnx</c>: temporal VAE decoder.</summary>
    VaeDecoder,

    /// <summary><c>unet/model.onnx</c>: the spatio-temporal UNet.</summary>
    UNet,
}
