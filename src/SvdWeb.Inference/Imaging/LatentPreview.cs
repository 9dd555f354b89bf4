namespace SvdWeb.Inference.Imaging;

/// <summary>
/// A cheap picture of latents without the VAE: each pixel is a fixed linear mix of the 4 latent channels. The
/// coefficients are the widely used least-squares fit for the Stable Diffusion VAE family (SVD's VAE encoder is that
/// VAE), mapping scaled latents to RGB in about [-1, 1]. Good enough to watch a video take shape; never used for output.
/// </summary>
public static class LatentPreview
{
    private static readonly float[,] ChannelToRgb =
    {
        { 0.298f, 0.207f, 0.208f },
        { 0.187f, 0.286f, 0.173f },
        { -0.158f, 0.189f, 0.264f },
        { -0.184f, -0.271f, -0.473f },
    };

    /// <param name="latent">One frame's latents [4, h, w] (scaled, as the UNet sees them).</param>
    public static RgbImage ToRgb(ReadOnlySpan<float> latent, int latentHeight, int latentWidth)
    {
        var plane = latentHeight * latentWidth;
        if (latent.Length < 4 * plane)
            throw new ArgumentException($"Expected at least {4 * plane} latent values for {latentWidth}x{latentHeight}, got {latent.Length}.", nameof(latent));
        var pixels = new byte[plane * 3];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var value = 0f;
                for (var k = 0; k < 4; k++) value += ChannelToRgb[k, c] * latent[k * plane + p];
                pixels[p * 3 + c] = (byte)Math.Clamp(MathF.Round((value + 1f) * 127.5f), 0f, 255f);
            }
        }
        return new RgbImage(latentWidth, latentHeight, pixels);
    }
}
