namespace SvdWeb.Inference;

/// <summary>
/// Step 2 of <c>__call__</c>, "define call parameters" (Inference README §4.2, notation §1.3): the sizes every tensor
/// of one run is laid out by. With guidance the batched tensors have the unconditional half first: Bu = 2·V rows.
/// </summary>
internal sealed record RunLayout(int Videos, bool Guidance, int Frames, int Height, int Width, int LatentChannels,
    int ScaleFactor, int EmbedDim, bool IsHalf)
{
    /// <summary>Bu: the UNet's batch.</summary>
    public int UNetBatch => Guidance ? 2 * Videos : Videos;

    public int LatentHeight => Height / ScaleFactor;

    public int LatentWidth => Width / ScaleFactor;

    /// <summary>C·h·w: one frame of latents.</summary>
    public int LatentFrameSize => LatentChannels * LatentHeight * LatentWidth;

    /// <summary>[V, F, C, h, w]</summary>
    public int[] LatentsShape => [Videos, Frames, LatentChannels, LatentHeight, LatentWidth];
}
