namespace SvdWeb.Inference.Models;

/// <summary>The keys of <c>vae/config.json</c> (diffusers' AutoencoderKLTemporalDecoder) the pipeline reads.</summary>
/// <param name="LatentChannels">Channels of a latent: 4 for SVD.</param>
/// <param name="ScalingFactor">Latents are multiplied by 1/scaling_factor before decoding (0.18215).</param>
/// <param name="ForceUpcast">diffusers runs the VAE encoder in float32 in a float16 pipeline when set (true for SVD).</param>
/// <param name="BlockOutChannels">One entry per encoder block; its length sets <see cref="ScaleFactor"/>.</param>
public sealed record VaeConfig(int LatentChannels, double ScalingFactor, bool ForceUpcast, IReadOnlyList<int> BlockOutChannels)
{
    public const string RelativePath = "vae/config.json";

    /// <summary>diffusers' <c>vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1)</c> (the pipeline's __init__): 8 for SVD.</summary>
    public int ScaleFactor => 1 << (BlockOutChannels.Count - 1);

    internal static VaeConfig? Read(PackJsonFile json)
    {
        var latentChannels = json.Int("latent_channels");
        var scalingFactor = json.PositiveNumber("scaling_factor");
        var forceUpcast = json.Bool("force_upcast");
        var blockOutChannels = json.PositiveIntArray("block_out_channels");
        if (blockOutChannels is { Count: > 16 })
        {
            // 2^(n-1) must stay a sane pixel factor; a real VAE has 4 blocks.
            json.AddProblem($"key 'block_out_channels' has {blockOutChannels.Count} entries, giving a pixel-to-latent factor of 2^{blockOutChannels.Count - 1}; SVD's VAE has 4 (factor 8).");
            return null;
        }
        if (latentChannels is null || scalingFactor is null || forceUpcast is null || blockOutChannels is null)
            return null;
        return new VaeConfig(latentChannels.Value, scalingFactor.Value, forceUpcast.Value, blockOutChannels);
    }
}
