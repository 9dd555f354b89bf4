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

    /// <summary>The memory-relevant part of a recipe already resolved against its pack (<see cref="SvdRecipe.Resolve"/>).</summary>
    public static MemoryRecipe From(SvdRecipe resolved)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        var frames = resolved.NumFrames ?? throw new ArgumentException("Resolve the recipe against its pack first: NumFrames is null.", nameof(resolved));
        return new MemoryRecipe(frames,
            resolved.Height ?? throw new ArgumentException("Resolve the recipe against its pack first: Height is null.", nameof(resolved)),
            resolved.Width ?? throw new ArgumentException("Resolve the recipe against its pack first: Width is null.", nameof(resolved)),
            resolved.DecodeChunkSize ?? SvdRecipe.DefaultDecodeChunkSize(frames), resolved.NumVideosPerPrompt, resolved.MaxGuidanceScale > 1f);
    }
}
