namespace SvdWeb.Inference.Scheduling;

/// <summary>
/// torch's CPU <c>torch.linspace(start, end, steps, dtype=torch.float32)</c>, bit for bit. The pipeline's per-frame
/// guidance scale is <c>linspace(min_guidance_scale, max_guidance_scale, num_frames)</c> (diffusers' __call__ step 8;
/// Inference README §4.8), and the naive <c>start + i·step</c> is 1 ulp off at some frames.
/// </summary>
/// <remarks>
/// Port of aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp <c>linspace_kernel</c> as built for AVX2 (torch 1.13.1,
/// GCC 12; checked against torch on 390 (start, end, steps) cases; Inference README §4.8):
/// <list type="bullet">
/// <item>step = f32(f32(end − start) / (steps − 1)); the first half counts up from start, the second half down from end,
/// so both ends are exact.</item>
/// <item>Scalar elements are <c>start + step·i</c> / <c>end − step·(steps−1−i)</c>, which GCC contracts into one FMA.</item>
/// <item>While at least 16 elements remain, the vectorised loop makes two 8-lane blocks: each block's base is the
/// scalar formula at its first index, and lane k is base + f32(k·step), not fused.</item>
/// </list>
/// </remarks>
public static class TorchLinspace
{
    private const int Lanes = 8;   // Vectorized<float>::size() with AVX2

    /// <summary>
    /// <paramref name="steps"/> float32 values from <paramref name="start"/> to <paramref name="end"/> inclusive.
    /// One step gives [start] and zero steps an empty array, as in torch. Pass Python floats already rounded to
    /// float32: torch converts its Scalar arguments to the output dtype first.
    /// </summary>
    public static float[] Float32(float start, float end, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        var values = new float[steps];
        if (steps == 0)
            return values;
        if (steps == 1)
        {
            values[0] = start;   // RangeFactories.cpp: steps == 1 is fill_(start), the kernel never runs
            return values;
        }

        var step = (end - start) / (float)(steps - 1);
        var halfway = steps / 2;
        var index = 0;
        for (; index <= steps - 2 * Lanes; index += 2 * Lanes)
        {
            FillBlock(values, index, start, end, step, halfway, steps);
            FillBlock(values, index + Lanes, start, end, step, halfway, steps);
        }
        for (; index < steps; index++)
            values[index] = ScalarValue(index, start, end, step, halfway, steps);
        return values;
    }

    private static void FillBlock(float[] values, int first, float start, float end, float step, int halfway, int steps)
    {
        // Vectorized<float>::arange(base, step): lane k = base + k·step, a multiply then an add.
        var blockBase = ScalarValue(first, start, end, step, halfway, steps);
        for (var lane = 0; lane < Lanes; lane++)
            values[first + lane] = blockBase + lane * step;
    }

    private static float ScalarValue(int index, float start, float end, float step, int halfway, int steps) =>
        index < halfway
            ? MathF.FusedMultiplyAdd(step, index, start)
            : MathF.FusedMultiplyAdd(-step, steps - index - 1, end);
}
