namespace SvdWeb.Inference;

/// <summary>One generated video.</summary>
/// <param name="FramesZeroToOne">[frames, height, width, 3] float32 in [0, 1]: diffusers' <c>output_type="np"</c>.</param>
/// <param name="FramesRgb24">[frames, height, width, 3] bytes, <c>round_half_even(y·255)</c>: diffusers' PIL output.</param>
public sealed record SvdVideo(int NumFrames, int Height, int Width, float[] FramesZeroToOne, byte[] FramesRgb24)
{
    public ReadOnlyMemory<byte> FrameRgb24(int frame) => FramesRgb24.AsMemory(frame * Height * Width * 3, Height * Width * 3);
}
