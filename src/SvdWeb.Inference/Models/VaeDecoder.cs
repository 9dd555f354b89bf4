using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Models;

/// <summary>
/// The temporal VAE decoder: <c>latent_sample</c> [N,4,h,w] → <c>sample</c> [N,3,8h,8w]. The N frames are decoded as
/// ONE clip (its temporal layers mix them), so the chunking of a video changes its pixels (Inference README §3.2 and
/// §4.10). Bound under the names the graph uses (<paramref name="io"/>).
/// </summary>
internal sealed class VaeDecoder(OnnxModel model, IoMapping io, int latentChannels, int scaleFactor)
{
    public const string InputName = "latent_sample", OutputName = "sample";

    private readonly string _inputName = io.Input(InputName), _outputName = io.Output(OutputName);

    /// <param name="latents">[frames, latentChannels, h, w], already multiplied by 1/scaling_factor.</param>
    /// <param name="destination">[frames, 3, h·8, w·8] float32.</param>
    public void Decode(ReadOnlySpan<float> latents, int frames, int latentHeight, int latentWidth, Span<float> destination, CancellationToken ct)
    {
        using var latentSample = new OrtTensor(model.InputType(_inputName), frames, latentChannels, latentHeight, latentWidth);
        latents.CopyTo(latentSample.Values);
        // Chunk lengths differ (the last one may be shorter), so ONNX Runtime allocates the output per call.
        model.Run([_inputName], [latentSample], _outputName, destination[..(frames * 3 * latentHeight * scaleFactor * latentWidth * scaleFactor)], ct);
    }
}
