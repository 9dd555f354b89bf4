namespace SvdWeb.Inference.Scheduling;

/// <summary>
/// The noise-level arithmetic of diffusers' EulerDiscreteScheduler (diffusers/schedulers/scheduling_euler_discrete.py),
/// in the dtypes diffusers uses: the Karras schedule in float64 numpy, the training schedule in float32 torch, and
/// <c>_sigma_to_t</c>'s mix of both.
/// </summary>
internal static class SigmaSchedules
{
    private const double Rho = 7.0;   // "7.0 is the value used in the paper" (diffusers' _convert_to_karras())

    /// <summary>
    /// <c>_convert_to_karras()</c> (Inference README §5.2): float64, not yet rounded to float32.
    /// <c>(max^(1/ρ) + ramp·(min^(1/ρ) − max^(1/ρ)))^ρ</c>, ramp = <c>np.linspace(0, 1, n)</c>.
    /// </summary>
    public static double[] Karras(double sigmaMin, double sigmaMax, int numInferenceSteps)
    {
        // Python float pow and numpy's float64 power both call the C library's pow; so does Math.Pow.
        var minInvRho = Math.Pow(sigmaMin, 1 / Rho);
        var maxInvRho = Math.Pow(sigmaMax, 1 / Rho);
        var sigmas = new double[numInferenceSteps];
        for (var i = 0; i < sigmas.Length; i++)
            sigmas[i] = Math.Pow(maxInvRho + NumpyUnitRamp(i, numInferenceSteps) * (minInvRho - maxInvRho), Rho);
        return sigmas;
    }

    /// <summary>
    /// <c>np.linspace(0, 1, n)[i]</c>: i·step with step = 1/(n−1), NOT i/(n−1) (they differ in the last bit for some
    /// i), and the last element set to exactly 1. n = 1 gives [0].
    /// </summary>
    private static double NumpyUnitRamp(int i, int n)
    {
        if (n == 1)
            return 0.0;
        if (i == n - 1)
            return 1.0;
        var step = 1.0 / (n - 1);
        return i * step;
    }

    /// <summary>
    /// ln σ of the training schedule (<c>log_sigmas</c> in diffusers' set_timesteps()), increasing with the training
    /// timestep: betas → alphas_cumprod → σ = ((1 − ᾱ)/ᾱ)^0.5 in float32 torch, then numpy's float32 log.
    /// </summary>
    /// <remarks>
    /// Everything up to σ is bit exact with torch 1.13 on the CPU: torch.linspace in float32 (<see cref="TorchLinspace"/>),
    /// <c>** 2</c> as a float32 square, and cumprod accumulating in double (acc_type&lt;float&gt; on the CPU) and
    /// storing float32. The log is glibc's logf; numpy 1.24 uses its own SIMD float32 log, which can differ in the last
    /// bit, so timesteps derived from this table (<see cref="SigmaToTimestep"/>) can be 1 float32 ulp away from
    /// diffusers. No golden covers this path (SVD uses continuous timesteps).
    /// </remarks>
    public static float[] TrainingLogSigmas(EulerSchedulerConfig config)
    {
        var count = config.NumTrainTimesteps;
        float[] betas;
        switch (config.BetaSchedule)
        {
            case "linear":
                betas = TorchLinspace.Float32((float)config.BetaStart, (float)config.BetaEnd, count);
                break;
            case "scaled_linear":
                // torch.linspace(beta_start**0.5, beta_end**0.5, T, dtype=float32) ** 2
                betas = TorchLinspace.Float32((float)Math.Pow(config.BetaStart, 0.5), (float)Math.Pow(config.BetaEnd, 0.5), count);
                for (var i = 0; i < betas.Length; i++)
                    betas[i] *= betas[i];
                break;
            default:
                throw new InvalidOperationException($"beta_schedule \"{config.BetaSchedule}\" has no training schedule here; the constructor should have rejected it.");
        }

        var logSigmas = new float[count];
        var cumulative = 1.0;
        for (var i = 0; i < count; i++)
        {
            cumulative *= 1f - betas[i];
            var alphaCumprod = (float)cumulative;
            var sigma = MathF.Sqrt((1f - alphaCumprod) / alphaCumprod);
            logSigmas[i] = GlibcLogf.Log(sigma);
        }
        return logSigmas;
    }

    /// <summary>
    /// <c>_sigma_to_t()</c> (Inference README §5.2): the fractional training timestep whose log σ interpolates to ln σ,
    /// rounded to float32 as <c>timesteps.astype(np.float32)</c> does.
    /// </summary>
    /// <remarks>
    /// numpy's dtypes are kept: ln σ is float64; <c>low − log_sigma</c> is a float32 array minus a float64 scalar, which
    /// numpy 1.24's value-based casting evaluates in float32, as is the weight w; <c>(1 − w)·low_idx + w·high_idx</c>
    /// mixes float32 and int64 arrays, so it is float64.
    /// </remarks>
    public static float SigmaToTimestep(double sigma, float[] logSigmas)
    {
        var logSigma = Math.Log(Math.Max(sigma, 1e-10));

        // low_idx = cumsum(dists >= 0).argmax().clip(max=T-2): the last index whose log σ is <= ln σ, else 0.
        var low = 0;
        for (var j = 0; j < logSigmas.Length; j++)
        {
            if (logSigma - logSigmas[j] >= 0)
                low = j;
        }
        low = Math.Min(low, logSigmas.Length - 2);
        var high = low + 1;

        var lowLog = logSigmas[low];
        var highLog = logSigmas[high];
        var weight = (lowLog - (float)logSigma) / (lowLog - highLog);
        weight = Math.Clamp(weight, 0f, 1f);
        return (float)((double)(1f - weight) * low + (double)weight * high);
    }
}
