namespace SvdWeb.Inference.Imaging;

/// <summary>
/// diffusers' <c>_resize_with_antialiasing(input, (224, 224))</c> in float32 (Inference README §4.3.1): a separable
/// Gaussian blur whose width grows with the down-scaling factor (reflect padding; along W, then along H), then torch's
/// bicubic interpolation with align_corners=True and A = −0.75. The aspect ratio is not kept: the image is squashed.
/// torch's AVX2 kernel is FMA-contracted by GCC; the contractions reproduced here bring the result within 2.4e-7 of
/// torch (4e-5 without them; Inference README §4.3.1), the rest of the order of operations being torch's.
/// </summary>
public static class AntialiasResize
{
    private const float CubicA = -0.75f;

    /// <param name="source">[3, inHeight, inWidth] float32.</param>
    /// <param name="destination">[3, outHeight, outWidth] float32.</param>
    public static void Resize(ReadOnlySpan<float> source, int inHeight, int inWidth, Span<float> destination, int outHeight, int outWidth)
    {
        // sigmas = max((factor − 1) / 2, 0.001) per axis in float64, then rounded to float32 for the kernel.
        var sigmaY = Math.Max((((double)inHeight / outHeight) - 1.0) / 2.0, 0.001);
        var sigmaX = Math.Max((((double)inWidth / outWidth) - 1.0) / 2.0, 0.001);
        var kernelY = GaussianKernel(OddKernelSize(sigmaY), (float)sigmaY);
        var kernelX = GaussianKernel(OddKernelSize(sigmaX), (float)sigmaX);
        if ((kernelY.Length - 1) / 2 >= inHeight || (kernelX.Length - 1) / 2 >= inWidth)
            throw new ArgumentException($"A {inWidth}x{inHeight} image is too small for the anti-aliasing blur's reflect padding.");

        // Only the rows and columns the bicubic taps read need blurring; the rest of a large photo is skipped.
        var tapsY = BicubicTaps(inHeight, outHeight);
        var tapsX = BicubicTaps(inWidth, outWidth);
        var neededRows = NeededIndices(tapsY, inHeight);
        var neededColumns = NeededIndices(tapsX, inWidth);

        var halfY = kernelY.Length / 2;
        var rowsForHorizontalBlur = new bool[inHeight];
        foreach (var r in neededRows)
        {
            for (var j = -halfY; j <= halfY; j++) rowsForHorizontalBlur[Reflect(r + j, inHeight)] = true;
        }

        var plane = inHeight * inWidth;
        var blurredX = new float[plane];
        var blurred = new float[plane];
        for (var c = 0; c < 3; c++)
        {
            var input = source.Slice(c * plane, plane);
            // Blur along W (kernel_x) for every row the vertical blur will read: a reflect-padded correlation.
            for (var y = 0; y < inHeight; y++)
            {
                if (!rowsForHorizontalBlur[y]) continue;
                var row = input.Slice(y * inWidth, inWidth);
                foreach (var x in neededColumns)
                    blurredX[y * inWidth + x] = Correlate(row, 1, inWidth, x, kernelX);
            }
            // Then along H (kernel_y), at the needed rows and columns only.
            foreach (var y in neededRows)
            {
                foreach (var x in neededColumns)
                    blurred[y * inWidth + x] = Correlate(blurredX.AsSpan(x), inWidth, inHeight, y, kernelY);
            }
            Bicubic(blurred, inWidth, tapsY, tapsX, destination.Slice(c * outHeight * outWidth, outHeight * outWidth), outWidth);
        }
    }

    /// <summary>int(max(2·2·σ, 3)), made odd.</summary>
    private static int OddKernelSize(double sigma)
    {
        var size = (int)Math.Max(4.0 * sigma, 3.0);
        return size % 2 == 0 ? size + 1 : size;
    }

    /// <summary><c>exp(−x² / (2σ²))</c> for x = j − k//2 in float32, normalised by its float32 sum.</summary>
    private static float[] GaussianKernel(int size, float sigma)
    {
        var kernel = new float[size];
        var twoSigmaSquared = 2f * (sigma * sigma);
        var sum = 0f;
        for (var j = 0; j < size; j++)
        {
            float x = j - size / 2;
            kernel[j] = MathF.Exp(-(x * x) / twoSigmaSquared);
            sum += kernel[j];
        }
        for (var j = 0; j < size; j++) kernel[j] /= sum;
        return kernel;
    }

    /// <summary>Σ_j line[reflect(i − k/2 + j)]·k[j], the line read with a stride; reflect mirrors without repeating the edge.</summary>
    private static float Correlate(ReadOnlySpan<float> line, int stride, int length, int i, float[] kernel)
    {
        var half = kernel.Length / 2;
        var sum = 0f;
        for (var j = 0; j < kernel.Length; j++)
        {
            sum += line[Reflect(i - half + j, length) * stride] * kernel[j];
        }
        return sum;
    }

    /// <summary>torch's reflect padding: index −1 → 1 and length → length − 2 (the edge is not repeated).</summary>
    private static int Reflect(int index, int length) => index < 0 ? -index : index >= length ? 2 * (length - 1) - index : index;

    private static int[] NeededIndices((int First, float[] Weights)[] taps, int length)
    {
        var needed = new bool[length];
        foreach (var (first, _) in taps)
        {
            for (var k = 0; k < 4; k++) needed[Math.Clamp(first + k, 0, length - 1)] = true;
        }
        return [.. Enumerable.Range(0, length).Where(i => needed[i])];
    }

    /// <summary>
    /// torch's align_corners bicubic source positions: real = scale·i with scale = f32((in−1)/(out−1)), i0 = floor(real),
    /// t = real − i0, taps i0−1 … i0+2 (clamped at use), weights from the cubic convolution with A = −0.75.
    /// </summary>
    private static (int First, float[] Weights)[] BicubicTaps(int inSize, int outSize)
    {
        var scale = outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f;
        var taps = new (int, float[])[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var index = (int)MathF.Floor(scale * i);
            // GCC contracts real_input_index − input_index into one FMA, so t carries the unrounded product; torch
            // 1.13 does not clamp it (it can be −1e-5 at the last index).
            var t = MathF.FusedMultiplyAdd(scale, i, -index);
            var opposite = 1f - t;
            taps[i] = (index - 1, [Cubic2(t + 1f), Cubic1(t), Cubic1(opposite), Cubic2(opposite + 1f)]);
        }
        return taps;
    }

    // torch's cubic_convolution1/2 with the multiply-adds GCC fused in torch 1.13's AVX2 build: found by searching the
    // fused/unfused combinations against the golden resize outputs (the last step of each polynomial stays unfused).
    private static float Cubic1(float x) => MathF.FusedMultiplyAdd(CubicA + 2f, x, -(CubicA + 3f)) * x * x + 1f;

    private static float Cubic2(float x) =>
        MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(CubicA, x, -5f * CubicA), x, 8f * CubicA) * x - 4f * CubicA;

    /// <summary>For each output pixel: interpolate each of the 4 source rows along W, then the 4 results along H.</summary>
    private static void Bicubic(float[] plane, int inWidth, (int First, float[] Weights)[] tapsY, (int First, float[] Weights)[] tapsX, Span<float> output, int outWidth)
    {
        var inHeight = plane.Length / inWidth;
        Span<float> rows = stackalloc float[4];
        for (var oy = 0; oy < tapsY.Length; oy++)
        {
            var (firstY, wy) = tapsY[oy];
            for (var ox = 0; ox < tapsX.Length; ox++)
            {
                var (firstX, wx) = tapsX[ox];
                for (var k = 0; k < 4; k++)
                {
                    var y = Math.Clamp(firstY + k, 0, inHeight - 1);
                    var row = plane.AsSpan(y * inWidth, inWidth);
                    // torch's Interpolate::eval: output = t0·w0, then output += t·w, contracted to an FMA.
                    var sum = row[Math.Clamp(firstX, 0, inWidth - 1)] * wx[0];
                    for (var m = 1; m < 4; m++) sum = MathF.FusedMultiplyAdd(row[Math.Clamp(firstX + m, 0, inWidth - 1)], wx[m], sum);
                    rows[k] = sum;
                }
                var value = rows[0] * wy[0];
                for (var k = 1; k < 4; k++) value = MathF.FusedMultiplyAdd(rows[k], wy[k], value);
                output[oy * outWidth + ox] = value;
            }
        }
    }
}
