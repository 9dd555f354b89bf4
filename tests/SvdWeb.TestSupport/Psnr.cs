namespace SvdWeb.TestSupport;

/// <summary>
/// Peak signal-to-noise ratio of 8-bit pictures: 10·log10(255² / MSE) over every channel value, in dB. Identical
/// pictures give +∞; visually close ones land above 30 dB, unrelated noise around 8–12 dB.
/// </summary>
public static class Psnr
{
    public const double Peak = 255;

    /// <summary>The PSNR of two pictures (or any two equally long runs of 8-bit values).</summary>
    public static double Of(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length || a.Length == 0)
            throw new ArgumentException($"PSNR needs two non-empty pictures of the same size, not {a.Length} and {b.Length} bytes.", nameof(b));
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double d = a[i] - b[i];
            sum += d * d;
        }
        var mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(Peak * Peak / mse);
    }

    /// <summary>The PSNR of each frame of two clips stored frame after frame (<paramref name="frameBytes"/> each), e.g. RGB24 frames.</summary>
    public static double[] PerFrame(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int frameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameBytes);
        if (a.Length != b.Length || a.Length % frameBytes != 0)
            throw new ArgumentException($"Both clips must hold the same whole number of {frameBytes}-byte frames, not {a.Length} and {b.Length} bytes.", nameof(b));
        var frames = new double[a.Length / frameBytes];
        for (var f = 0; f < frames.Length; f++)
            frames[f] = Of(a.Slice(f * frameBytes, frameBytes), b.Slice(f * frameBytes, frameBytes));
        return frames;
    }
}
