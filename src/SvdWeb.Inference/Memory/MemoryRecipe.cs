namespace SvdWeb.Inference.Memory;

/// <summary>What of a recipe sets the GPU memory a run needs.</summary>
/// <param name="Frames">F, frames per video.</param>
/// <param name="Height">H, output pixels.</param>
/// <param name="Width">W, output pixels.</param>
/// <param name="DecodeChunkSize">Frames the VAE decoder takes per call (diffusers' decode_chunk_size).</param>
/// <param name="Videos">Bn, videos per prompt (one input image per request).</param>
/// <param name="Guidance">Classifier-free guidance on (max_guidance_scale &gt; 1): the UNet runs on [uncond, cond], twice the batch.</param>
public sealed record MemoryRecipe(int Frames, int Height, int Width, int DecodeChunkSize, int Videos, bool Guidance)
{
    /// <summary>Bu, the UNet's batch: 2·Bn with guidance, else Bn (Inference README §3.2, the unet's inputs).</summary>
    public int UNetBatch => (Guidance ? 2 : 1) * Videos;

    /// <summary>Frames per decoder call: the chunk, or every frame when the chunk is larger (the last chunk may be shorter).</summary>
    public int DecodeFrames => Math.Min(DecodeChunkSize, Videos * Frames);

    /// <summary>The memory-relevant part of a resolved recipe.</summary>
    public static MemoryRecipe From(ResolvedRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return new MemoryRecipe(recipe.NumFrames, recipe.Height, recipe.Width, recipe.DecodeChunkSize, recipe.NumVideosPerPrompt, recipe.Guidance);
    }
}
