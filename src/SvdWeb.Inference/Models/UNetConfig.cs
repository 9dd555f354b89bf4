namespace SvdWeb.Inference.Models;

/// <summary>The keys of <c>unet/config.json</c> (diffusers' UNetSpatioTemporalConditionModel) the pipeline and validation read.</summary>
/// <param name="NumFrames">Frames the model was trained on; the default number of frames (14 for SVD, 25 for XT).</param>
/// <param name="InChannels">8 for SVD: the noisy latents and the image latents, concatenated on channels.</param>
/// <param name="OutChannels">Channels of the noise prediction; equals the VAE's latent_channels (4).</param>
/// <param name="SampleSize">Latent side the model was trained at (96); diffusers uses it only when height or width is None.</param>
/// <param name="AdditionTimeEmbedDim">Embedding width per added time id (256); × 3 ids must equal <see cref="ProjectionClassEmbeddingsInputDim"/>.</param>
/// <param name="ProjectionClassEmbeddingsInputDim">768 for SVD (PIPE L274-281 checks it against the time ids).</param>
/// <param name="CrossAttentionDim">Width of encoder_hidden_states; must equal the image encoder's projection_dim.</param>
/// <param name="BlockOutChannels">One entry per down block; each block after the first halves the latent side.</param>
public sealed record UNetConfig(
    int NumFrames,
    int InChannels,
    int OutChannels,
    int SampleSize,
    int AdditionTimeEmbedDim,
    int ProjectionClassEmbeddingsInputDim,
    int CrossAttentionDim,
    IReadOnlyList<int> BlockOutChannels)
{
    public const string RelativePath = "unet/config.json";

    internal static UNetConfig? Read(PackJsonFile json)
    {
        var numFrames = json.Int("num_frames");
        var inChannels = json.Int("in_channels");
        var outChannels = json.Int("out_channels");
        var sampleSize = json.Int("sample_size");
        var additionTimeEmbedDim = json.Int("addition_time_embed_dim");
        var projectionInputDim = json.Int("projection_class_embeddings_input_dim");
        var crossAttentionDim = json.Int("cross_attention_dim");
        var blockOutChannels = json.PositiveIntArray("block_out_channels");
        if (blockOutChannels is { Count: > 8 })
        {
            // SvdParameterLimits multiplies 8 by 2^(n-1); a real SVD UNet has 4 blocks.
            json.AddProblem($"key 'block_out_channels' has {blockOutChannels.Count} entries; SVD's UNet has 4, and more than 8 would ask for image sides that are multiples of 8·2^{blockOutChannels.Count - 1}.");
            return null;
        }
        if (numFrames is null || inChannels is null || outChannels is null || sampleSize is null || additionTimeEmbedDim is null ||
            projectionInputDim is null || crossAttentionDim is null || blockOutChannels is null)
        {
            return null;
        }
        return new UNetConfig(numFrames.Value, inChannels.Value, outChannels.Value, sampleSize.Value, additionTimeEmbedDim.Value,
            projectionInputDim.Value, crossAttentionDim.Value, blockOutChannels);
    }
}
