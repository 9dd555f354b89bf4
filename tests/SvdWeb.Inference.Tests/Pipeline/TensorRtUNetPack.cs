using SvdWeb.Inference.Tests.Models;
using SvdWeb.Inference.Tests.Onnx;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// A copy of the tiny pack whose UNet has the input/output convention of the TensorRT repo's SVD export
/// (NVIDIA/TensorRT demo/Diffusion, UNetTemporalModel): the output is named <c>latent</c> instead of <c>out_sample</c>,
/// and <c>timestep</c> is declared [1] instead of [B]. Only the signature changes: every node and weight is the tiny
/// UNet's, which already broadcasts the timestep to the batch (an Expand on sample's batch, diffusers'
/// <c>timesteps.expand(sample.shape[0])</c>), as the TensorRT export does with its [1].
/// </summary>
internal sealed class TensorRtUNetPack : IDisposable
{
    /// <summary>The tiny pack's own svdweb.json plus the mapping this UNet needs.</summary>
    public const string SettingsWithIoMapping =
        """{"default_height": 64, "default_width": 128, "io": {"unet": {"outputs": {"out_sample": "latent"}, "timestep_shape": "one"}}}""";

    private readonly TempPackCopy _copy = new();

    /// <param name="withIoMapping">Write <see cref="SettingsWithIoMapping"/>; otherwise keep the tiny pack's svdweb.json (size only).</param>
    public TensorRtUNetPack(bool withIoMapping)
    {
        var path = _copy.PathOf("unet/model.onnx");
        var model = OnnxRewrite.RenameTensors(File.ReadAllBytes(path), new Dictionary<string, string> { ["out_sample"] = "latent" });
        model = OnnxRewrite.MapValueInfo(model, "timestep", timestep => OnnxRewrite.SetFirstDim(timestep, 1));
        File.WriteAllBytes(path, model);
        if (withIoMapping)
            _copy.WriteText("svdweb.json", SettingsWithIoMapping);
    }

    public string Folder => _copy.Folder;

    public void Dispose() => _copy.Dispose();
}
