namespace SvdWeb.Inference.Imaging;

/// <summary>
/// The image encoder's input as diffusers' <c>_encode_image</c> makes it (Inference README §4.3, steps 1–5): the
/// ORIGINAL image (not the one resized for the VAE), to [-1, 1], squashed to 224×224 by <see cref="AntialiasResize"/>,
/// back to [0, 1] (no clamping), then CLIP-normalised as a subtract and a divide in float32 (not a multiply by 1/std).
/// </summary>
public static class ClipImagePreprocessor
{
    public const int Size = 224;

    /// <param name="destination">pixel_values [1, 3, 224, 224] float32.</param>
    public static void Preprocess(RgbImage image, IReadOnlyList<float> mean, IReadOnlyList<float> std, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (destination.Length != 3 * Size * Size)
            throw new ArgumentException($"Expected {3 * Size * Size} values for [1, 3, 224, 224], got {destination.Length}.", nameof(destination));

        // pixels: [3, h0, w0] in [-1, 1]
        var plane = image.Width * image.Height;
        var pixels = new float[3 * plane];
        VaeImagePreprocessor.RgbToChwMinusOneToOne(image.Pixels, plane, pixels);
        // resized: [3, 224, 224], still in about [-1, 1]
        AntialiasResize.Resize(pixels, image.Height, image.Width, destination, Size, Size);
        for (var c = 0; c < 3; c++)
        {
            var channel = destination.Slice(c * Size * Size, Size * Size);
            for (var i = 0; i < channel.Length; i++)
                channel[i] = ((channel[i] + 1f) / 2f - mean[c]) / std[c];
        }
    }
}
