namespace SvdWeb.Inference.Imaging;

/// <summary>
/// diffusers' <c>video_processor.preprocess(image, height, width)</c> for one RGB image (Inference README §4.4).
/// </summary>
public static class VaeImagePreprocessor
{
    /// <summary>
    /// Pillow LANCZOS to width×height (skipped when the size already matches), then <c>f32(byte/255)</c> and
    /// <c>2x − 1</c> in float32, always, whatever the pack's dtype.
    /// </summary>
    /// <param name="destination">[1, 3, height, width] float32 in [-1, 1].</param>
    public static void Preprocess(RgbImage image, int width, int height, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        var plane = width * height;
        if (destination.Length != 3 * plane)
            throw new ArgumentException($"Expected {3 * plane} values for [1, 3, {height}, {width}], got {destination.Length}.", nameof(destination));
        var resized = image.Width == width && image.Height == height ? image : PillowResize.Lanczos(image, width, height);
        RgbToChwMinusOneToOne(resized.Pixels, plane, destination);
    }

    /// <summary>HWC bytes → CHW float32: <c>2·f32(b/255) − 1</c>, numpy's float32 divide then torch's float32 arithmetic.</summary>
    internal static void RgbToChwMinusOneToOne(ReadOnlySpan<byte> hwc, int plane, Span<float> chw)
    {
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
                chw[c * plane + p] = 2f * (hwc[p * 3 + c] / 255f) - 1f;
        }
    }
}
