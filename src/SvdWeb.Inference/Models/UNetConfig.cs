namespace SvdWeb.Inference.Models;

/// <summary>The keys of <c>unet/config.json</c> (diffusers' UNetSpatioTemporalConditionModel) the pipeline and validation read.</summary>
/// <param name="NumFrames">Frames the model was trained on; the default number of frames (14 for SVD, 25 for XT).</param>
/// <param name="InChannels">8 for SVD: the noisy latents and the image latents, concatenated on channels.</param>
/// <param name="OutChannels">Channels of the noise prediction; equals the VAE's latent_channels (4).</param>
/// <param name="SampleSize">Latent side the model was trained at (96); diffusers uses it only when height or width is None.</param>
/// <param name="AdditionTimeEmbedDim">Embedding width per added time id (256); × 3 ids must equal <see cref="ProjectionClassEmbeddingsInputDim"/>.</param>
/// <param name="ProjectionClassEmbeddingsInputDim">768 for SVD (diffusers' _get_add_time_ids() checks it against the time ids).</param>
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

    /// <summary>diffusers' UNetSpatioTemporalConditionModel defaults, used when the config leaves the key out.</summary>
    public static readonly IReadOnlyList<int> DefaultNumAttentionHeads = [5, 10, 20, 20];

    public const int DefaultLayersPerBlock = 2;

    /// <summary>
    /// Attention heads per block (num_attention_heads: an int for all blocks or one per block; SVD [5, 10, 20, 20]).
    /// Read for the memory estimate only, which is why a missing key takes diffusers' default instead of failing validation.
    /// </summary>
    public IReadOnlyList<int> NumAttentionHeads { get; init; } = DefaultNumAttentionHeads;

    /// <summary>Resnets per down block (layers_per_block, 2 for SVD); each one's output is kept as a skip for the up path.</summary>
    public int LayersPerBlock { get; init; } = DefaultLayersPerBlock;

    /// <summary>Whether down block <paramref name="level"/> has attention (down_block_types "CrossAttn…"; SVD: all but the last).</summary>
    public bool HasAttention(int level) => DownBlockTypes is { } types
        ? level < types.Count && types[level].StartsWith("CrossAttn", StringComparison.Ordinal)
        : level < BlockOutChannels.Count - 1;

    /// <summary>down_block_types, or null when absent (then every block but the last is taken to have attention, as in SVD).</summary>
    public IReadOnlyList<string>? DownBlockTypes { get; init; }

    /// <summary>Heads of block <paramref name="level"/>; the last entry repeats when the list is shorter than the blocks.</summary>
    public int HeadsAt(int level) => NumAttentionHeads.Count == 0 ? 1 : NumAttentionHeads[Math.Min(level, NumAttentionHeads.Count - 1)];

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
            projectionInputDim.Value, crossAttentionDim.Value, blockOutChannels)
        {
            NumAttentionHeads = OptionalHeads(json) ?? DefaultNumAttentionHeads,
            LayersPerBlock = json.Has("layers_per_block") && json.Element("layers_per_block") is { ValueKind: System.Text.Json.JsonValueKind.Number } layers
                && layers.TryGetInt32(out var count) && count > 0 ? count : DefaultLayersPerBlock,
            DownBlockTypes = json.Element("down_block_types") is { ValueKind: System.Text.Json.JsonValueKind.Array } types
                && types.EnumerateArray().All(t => t.ValueKind == System.Text.Json.JsonValueKind.String)
                ? types.EnumerateArray().Select(t => t.GetString()!).ToArray() : null,
        };
    }

    /// <summary>num_attention_heads as a list: an int applies to every block; anything unreadable falls back to the default.</summary>
    private static IReadOnlyList<int>? OptionalHeads(PackJsonFile json)
    {
        if (json.Element("num_attention_heads") is not { } heads)
            return null;
        if (heads.ValueKind == System.Text.Json.JsonValueKind.Number && heads.TryGetInt32(out var all) && all > 0)
            return [all];
        if (heads.ValueKind != System.Text.Json.JsonValueKind.Array)
            return null;
        var list = new List<int>();
        foreach (var item in heads.EnumerateArray())
        {
            if (item.ValueKind != System.Text.Json.JsonValueKind.Number || !item.TryGetInt32(out var value) || value <= 0)
                return null;
            list.Add(value);
        }
        return list.Count > 0 ? list : null;
    }
}
