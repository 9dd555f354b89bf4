namespace SvdWeb.Inference.Memory;

/// <summary>
/// The memory options of diffusers' SVD guide, as settings of a loaded pipeline (decode chunk size, the third, is part
/// of the recipe). Neither changes the arithmetic of any value: frames are the same with and without them.
/// </summary>
/// <param name="ModelCpuOffload">diffusers' <c>enable_model_cpu_offload()</c>: each network is on the device only while its
/// stage runs (image encoder → VAE encoder → UNet → VAE decoder); the others wait in host memory. Costs one session
/// creation per network per video.</param>
/// <param name="ForwardChunking">diffusers' <c>unet.enable_forward_chunking()</c>: the transformer blocks' feed-forward one
/// slice at a time (spatial blocks over batch·frames, temporal blocks over their dim 1), so GEGLU's 8·C-wide
/// activation exists for one slice. Costs some UNet speed.</param>
public sealed record MemoryOptions(bool ModelCpuOffload = false, bool ForwardChunking = false)
{
    public static MemoryOptions None { get; } = new();

    /// <summary>"model CPU offload, forward chunking", or "none".</summary>
    public string Describe()
    {
        var parts = new List<string>(2);
        if (ModelCpuOffload) parts.Add("model CPU offload");
        if (ForwardChunking) parts.Add("forward chunking");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
