using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The VAE encoder up to the latent distribution's mode: <c>sample</c> [B,3,H,W] in about [-1,1] → <c>latent</c>
/// [B,4,H/8,W/8], unscaled (no scaling_factor; Inference README §3.2, §4.4). Bound under the names the graph uses
/// (<paramref name="io"/>).
/// </summary>
internal sealed class VaeEncoder(OnnxModel model, IoMapping io, int latentChannels, int scaleFactor)
{
    public const string InputName = "sample", OutputName = "latent";

    private readonly string _inputName = io.Input(InputName), _outputName = io.Output(OutputName);

    /// <param name="pixels">[1, 3, height, width] float32 (diffusers runs this encoder in float32 whenever force_upcast is set).</param>
    /// <returns>latent: [1, latentChannels, height/8, width/8]</returns>
    public float[] Encode(ReadOnlySpan<float> pixels, int height, int width, CancellationToken ct)
    {
        using var sample = new OrtTensor(model.InputType(_inputName), 1, 3, height, width);
        pixels.CopyTo(sample.Values);
        using var latent = new OrtTensor(model.OutputType(_outputName), 1, latentChannels, height / scaleFactor, width / scaleFactor);
        model.Run([_inputName], [sample], [_outputName], [latent], ct);
        return latent.Values;
    }
}
