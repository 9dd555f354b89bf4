namespace SvdWeb.Inference;

/// <summary>diffusers' <c>VideoProcessor.postprocess_video</c> for one frame (Inference README §4.11).</summary>
internal static class VideoPostprocessor
{
    /// <summary>
    /// Decoder output [3, H, W] in about [-1, 1] → HWC: <c>y = clamp(x·0.5 + 0.5, 0, 1)</c> (float32, two roundings:
    /// denormalize) and <c>round_half_even(y·255)</c> as bytes (numpy's .round(), as the PIL output does).
    /// </summary>
    public static void ChwToHwc(ReadOnlySpan<float> chw, int height, int width, Span<float> hwcZeroToOne, Span<byte> hwcRgb24)
    {
        var plane = height * width;
        for (var c = 0; c < 3; c++)
        {
            var channel = chw.Slice(c * plane, plane);
            for (var p = 0; p < plane; p++)
            {
                var y = Math.Clamp(channel[p] * 0.5f + 0.5f, 0f, 1f);
                hwcZeroToOne[p * 3 + c] = y;
                hwcRgb24[p * 3 + c] = (byte)MathF.Round(y * 255f, MidpointRounding.ToEven);
            }
        }
    }
}
