namespace SvdWeb.Inference.Imaging;

/// <summary>
/// Pillow's <c>Image.resize(size, Image.LANCZOS)</c> on 8-bit RGB, bit for bit (Inference README §7; Pillow's
/// src/libImaging/Resample.c): separable, horizontal pass first into an 8-bit intermediate that is rounded and
/// clipped, then the vertical pass; coefficients normalised in double and quantised to 22-bit fixed point. diffusers
/// resizes the VAE input with this, so anything else (ImageSharp's Lanczos3 differs by up to 8 levels) changes the
/// image latents.
/// </summary>
public static class PillowResize
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double Support = 3.0;

    /// <summary>Resizes to <paramref name="width"/>×<paramref name="height"/>; an unchanged size returns a copy, as Pillow does.</summary>
    public static RgbImage Lanczos(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var pixels = image.Pixels;
        int currentWidth = image.Width, currentHeight = image.Height;
        if (width != currentWidth)
        {
            pixels = ResampleHorizontal(pixels, currentWidth, currentHeight, width);
            currentWidth = width;
        }
        if (height != currentHeight)
            pixels = ResampleVertical(pixels, currentWidth, currentHeight, height);
        return new RgbImage(width, height, ReferenceEquals(pixels, image.Pixels) ? (byte[])pixels.Clone() : pixels);
    }

    private static byte[] ResampleHorizontal(byte[] source, int inWidth, int rows, int outWidth)
    {
        var (bounds, kernels, kernelSize) = PrecomputeCoefficients(inWidth, outWidth);
        var result = new byte[rows * outWidth * 3];
        for (var y = 0; y < rows; y++)
        {
            var sourceRow = source.AsSpan(y * inWidth * 3, inWidth * 3);
            var resultRow = result.AsSpan(y * outWidth * 3, outWidth * 3);
            for (var x = 0; x < outWidth; x++)
            {
                var (first, count) = bounds[x];
                var k = kernels.AsSpan(x * kernelSize, count);
                for (var c = 0; c < 3; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var i = 0; i < count; i++) sum += sourceRow[(first + i) * 3 + c] * k[i];
                    resultRow[x * 3 + c] = Clip8(sum);
                }
            }
        }
        return result;
    }

    private static byte[] ResampleVertical(byte[] source, int width, int inHeight, int outHeight)
    {
        var (bounds, kernels, kernelSize) = PrecomputeCoefficients(inHeight, outHeight);
        var stride = width * 3;
        var result = new byte[outHeight * stride];
        for (var y = 0; y < outHeight; y++)
        {
            var (first, count) = bounds[y];
            var k = kernels.AsSpan(y * kernelSize, count);
            var resultRow = result.AsSpan(y * stride, stride);
            for (var p = 0; p < stride; p++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++) sum += source[(first + i) * stride + p] * k[i];
                resultRow[p] = Clip8(sum);
            }
        }
        return result;
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> + <c>normalize_coeffs_8bpc</c> for the box [0, inSize].</summary>
    private static ((int First, int Count)[] Bounds, int[] Kernels, int KernelSize) PrecomputeCoefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var inverseFilterScale = 1.0 / filterScale;
        var bounds = new (int, int)[outSize];
        var kernels = new int[outSize * kernelSize];
        var weights = new double[kernelSize];
        for (var o = 0; o < outSize; o++)
        {
            var center = (o + 0.5) * scale;
            // (int) truncates toward zero, as C does; only then is the lower bound clamped.
            var first = Math.Max((int)(center - support + 0.5), 0);
            var last = Math.Min((int)(center + support + 0.5), inSize);
            var count = last - first;
            var total = 0.0;
            for (var i = 0; i < count; i++)
            {
                var w = LanczosFilter((i + first - center + 0.5) * inverseFilterScale);
                weights[i] = w;
                total += w;
            }
            for (var i = 0; i < count; i++)
            {
                var w = total != 0.0 ? weights[i] / total : weights[i];
                kernels[o * kernelSize + i] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            bounds[o] = (first, count);
        }
        return (bounds, kernels, kernelSize);
    }

    private static double LanczosFilter(double x) => x >= -Support && x < Support ? Sinc(x) * Sinc(x / 3.0) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static byte Clip8(int value) => value >= 1 << PrecisionBits << 8 ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);
}
