using System.Numerics.Tensors;

namespace SvdWeb.Inference.Scheduling;

/// <summary>
/// diffusers' <c>EulerDiscreteScheduler</c> (diffusers/schedulers/scheduling_euler_discrete.py) as
/// StableVideoDiffusionPipeline drives it: Karras sigmas, the deterministic Euler step (s_churn = 0, so it never draws
/// random numbers), and every rounding point of the float32 torch CPU run, so sigmas, timesteps, scaled inputs and
/// latents match the goldens bit for bit (Inference README §5).
/// </summary>
/// <remarks>
/// <para>Implemented: prediction_type "v_prediction" and "epsilon"; use_karras_sigmas with explicit sigma_min and
/// sigma_max; timestep_type "continuous" (with v_prediction, timesteps are 0.25·ln σ) and "discrete" (timesteps
/// from <c>_sigma_to_t</c> on the linear or scaled_linear training schedule); timestep_spacing "linspace", "leading",
/// "trailing" (with Karras sigmas they only decide <see cref="InitNoiseSigma"/>); final_sigmas_type "zero". Anything
/// else throws <see cref="ModelPackException"/> from the constructor rather than silently computing something else.</para>
/// <para>Division by a sigma-derived scalar is a true division, as torch does on the CPU (the goldens' reference).
/// A CUDA run multiplies by the float32 reciprocal instead (Inference README §5.7), which can differ by 1 ulp.</para>
/// <para>Not thread-safe: one instance per generation, like diffusers' scheduler object.</para>
/// </remarks>
public sealed class EulerDiscreteScheduler
{
    // Elementwise work runs in chunks small enough for stack scratch (2 x 4 KB of floats): the chunked
    // TensorPrimitives passes stay in L1, and nothing is allocated per call.
    private const int ChunkLength = 1024;

    private readonly bool _continuousTimesteps;
    private readonly bool _vPrediction;
    private readonly float[]? _trainingLogSigmas;
    private float[] _sigmas = [];
    private float[] _timesteps = [];

    /// <exception cref="ModelPackException">The config asks for something this port does not implement; the message lists
    /// each such key, its value, what is supported and the fix.</exception>
    public EulerDiscreteScheduler(EulerSchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = FindUnsupported(config);
        if (problems.Count > 0)
            throw new ModelPackException(config.SourcePath ?? "(scheduler config built in code)", problems);

        Config = config;
        _vPrediction = config.PredictionType == "v_prediction";
        // diffusers' set_timesteps(): 0.25·ln σ only for continuous v-prediction ("TODO: Support the full EDM
        // scalings").
        _continuousTimesteps = _vPrediction && config.TimestepType == "continuous";
        if (!_continuousTimesteps)
            _trainingLogSigmas = SigmaSchedules.TrainingLogSigmas(config);
    }

    public EulerSchedulerConfig Config { get; }

    /// <summary>N + 1 float32 noise levels, decreasing; the last is 0. Empty until a schedule is set.</summary>
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <summary>N float32 values fed to the UNet: 0.25·ln σ for SVD (continuous), not indices and not σ.</summary>
    public ReadOnlySpan<float> Timesteps => _timesteps;

    /// <summary>
    /// What the initial noise is multiplied by: the largest σ, or for timestep_spacing "leading" (SVD)
    /// f32(sqrt(f32(σmax²) + 1)) = 700.00073 (Inference README §5.3). Read it after setting the schedule.
    /// </summary>
    public float InitNoiseSigma { get; private set; }

    /// <summary>N, the number of denoising steps of the current schedule (0 before one is set).</summary>
    public int NumInferenceSteps => _timesteps.Length;

    /// <summary>
    /// <c>set_timesteps(num_inference_steps)</c> (Inference README §5.2): Karras sigmas in float64 rounded once to
    /// float32, a final 0 appended, timesteps from the float32 sigmas.
    /// </summary>
    public void SetTimesteps(int numInferenceSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        var karras = SigmaSchedules.Karras(Config.SigmaMin!.Value, Config.SigmaMax!.Value, numInferenceSteps);
        var sigmas = new float[numInferenceSteps + 1];   // the last stays 0: final_sigmas_type "zero"
        for (var i = 0; i < karras.Length; i++)
            sigmas[i] = (float)karras[i];

        var timesteps = new float[numInferenceSteps];
        for (var i = 0; i < timesteps.Length; i++)
        {
            // Discrete: _sigma_to_t of the float64 Karras value, before the float32 cast of the sigmas.
            timesteps[i] = _continuousTimesteps
                ? ContinuousTimestep(sigmas[i])
                : SigmaSchedules.SigmaToTimestep(karras[i], _trainingLogSigmas!);
        }
        Apply(sigmas, timesteps);
    }

    /// <summary>
    /// <c>set_timesteps(sigmas=...)</c> (Inference README §5.6): a custom schedule used as given (Karras is not
    /// applied). It must include the final σ, normally 0, so N = <paramref name="sigmas"/>.Length − 1.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 values, a negative or non-finite value, or a σ ≤ 0 before the
    /// last (the step divides by it).</exception>
    public void SetSigmas(ReadOnlySpan<float> sigmas)
    {
        if (sigmas.Length < 2)
            throw new ArgumentException($"A custom schedule needs at least 2 sigmas (N steps take N + 1, the last normally 0); got {sigmas.Length}.", nameof(sigmas));
        for (var i = 0; i < sigmas.Length; i++)
        {
            var last = i == sigmas.Length - 1;
            if (!float.IsFinite(sigmas[i]) || sigmas[i] < 0 || (!last && sigmas[i] == 0))
            {
                throw new ArgumentException(
                    $"sigmas[{i}] is {sigmas[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; every σ must be finite " +
                    "and > 0, except the last, which may be 0.", nameof(sigmas));
            }
        }

        var copy = sigmas.ToArray();
        var timesteps = new float[copy.Length - 1];
        for (var i = 0; i < timesteps.Length; i++)
        {
            timesteps[i] = _continuousTimesteps
                ? ContinuousTimestep(copy[i])
                : SigmaSchedules.SigmaToTimestep(copy[i], _trainingLogSigmas!);
        }
        Apply(copy, timesteps);
    }

    /// <summary>
    /// <c>scale_model_input</c> (Inference README §5.4): destination = sample / f32(sqrt(f32(σ²) + 1)),
    /// σ = Sigmas[stepIndex]. <paramref name="destination"/> may be <paramref name="sample"/> itself (in place). With
    /// classifier-free guidance the pipeline scales the doubled batch; both halves are the same latents, so scaling
    /// them once and copying is the same.
    /// </summary>
    public void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination)
    {
        var coefficients = Coefficients(stepIndex);
        CheckLengths(sample.Length, destination.Length, nameof(destination));
        TensorPrimitives.Divide(sample, coefficients.InputDivisor, destination);
    }

    /// <summary>
    /// <c>step</c> with s_churn = 0 (Inference README §5.5), in place: <paramref name="latents"/> becomes prev_sample.
    /// Draws no random numbers.
    /// </summary>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> latents) =>
        Step(modelOutput, stepIndex, latents, []);

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{float}, int, Span{float})"/> that also writes pred_original_sample (the denoised
    /// estimate x0, e.g. for previews) to <paramref name="predOriginalSample"/>, which must not overlap the inputs.
    /// It may be shorter than the latents: it gets the x0 of the first values (a preview needs only the first frame's).
    /// An empty span skips it.
    /// </summary>
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> latents, Span<float> predOriginalSample)
    {
        var coefficients = Coefficients(stepIndex);
        CheckLengths(modelOutput.Length, latents.Length, nameof(latents));
        CheckPrefix(latents.Length, predOriginalSample.Length, nameof(predOriginalSample));

        Span<float> denoised = stackalloc float[ChunkLength];
        Span<float> scratch = stackalloc float[ChunkLength];
        for (var start = 0; start < latents.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, latents.Length - start);
            var sample = latents.Slice(start, length);
            var x0 = denoised[..length];
            PredictOriginal(modelOutput.Slice(start, length), sample, coefficients, x0, scratch[..length], roundToHalf: false);
            CopyPrefix(x0, start, predOriginalSample);
            EulerUpdate(sample, x0, coefficients);
        }
    }

    /// <summary>
    /// float16 <c>scale_model_input</c>: each value is widened, divided in float32, rounded to half once (the result
    /// has the sample's dtype). May run in place.
    /// </summary>
    public void ScaleModelInput(ReadOnlySpan<Half> sample, int stepIndex, Span<Half> destination)
    {
        var coefficients = Coefficients(stepIndex);
        CheckLengths(sample.Length, destination.Length, nameof(destination));
        CheckNoPartialOverlap(sample, destination);

        Span<float> values = stackalloc float[ChunkLength];
        for (var start = 0; start < sample.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, sample.Length - start);
            var chunk = values[..length];
            TensorPrimitives.ConvertToSingle(sample.Slice(start, length), chunk);
            TensorPrimitives.Divide(chunk, coefficients.InputDivisor, chunk);
            TensorPrimitives.ConvertToHalf(chunk, destination.Slice(start, length));
        }
    }

    /// <summary>
    /// float16 <c>step</c> (fp16 packs), in place. The sample is upcast to float32 and the step runs in float32, with
    /// diffusers' two half roundings: <c>model_output·c_out</c> (v-prediction; <c>σ·model_output</c> for epsilon)
    /// has the model output's dtype, and prev_sample is cast back to half every step (Inference README §5.5).
    /// </summary>
    public void Step(ReadOnlySpan<Half> modelOutput, int stepIndex, Span<Half> latents) =>
        Step(modelOutput, stepIndex, latents, []);

    /// <summary>
    /// <see cref="Step(ReadOnlySpan{Half}, int, Span{Half})"/> that also writes pred_original_sample, as diffusers
    /// holds it (float32: the half output term is added to the float32 upcast sample), for the first
    /// <paramref name="predOriginalSample"/>.Length values. An empty span skips it.
    /// </summary>
    public void Step(ReadOnlySpan<Half> modelOutput, int stepIndex, Span<Half> latents, Span<float> predOriginalSample)
    {
        var coefficients = Coefficients(stepIndex);
        CheckLengths(modelOutput.Length, latents.Length, nameof(latents));
        CheckPrefix(latents.Length, predOriginalSample.Length, nameof(predOriginalSample));

        Span<float> sample = stackalloc float[ChunkLength];
        Span<float> denoised = stackalloc float[ChunkLength];
        Span<float> output = stackalloc float[ChunkLength];
        for (var start = 0; start < latents.Length; start += ChunkLength)
        {
            var length = Math.Min(ChunkLength, latents.Length - start);
            var latentChunk = latents.Slice(start, length);
            var s = sample[..length];
            var mo = output[..length];
            TensorPrimitives.ConvertToSingle(latentChunk, s);
            TensorPrimitives.ConvertToSingle(modelOutput.Slice(start, length), mo);
            PredictOriginal(mo, s, coefficients, denoised[..length], mo, roundToHalf: true);
            CopyPrefix(denoised[..length], start, predOriginalSample);
            EulerUpdate(s, denoised[..length], coefficients);
            TensorPrimitives.ConvertToHalf(s, latentChunk);
        }
    }

    /// <summary>
    /// pred_original_sample, each torch op rounded separately (no fused multiply-add: torch rounds after the multiply).
    /// v-prediction: <c>model_output·c_out + sample/(σ²+1)</c>; epsilon: <c>sample − σ̂·model_output</c>.
    /// <paramref name="scratch"/> may be <paramref name="modelOutput"/>'s own memory.
    /// </summary>
    private void PredictOriginal(ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, in StepCoefficients c,
        Span<float> x0, Span<float> scratch, bool roundToHalf)
    {
        if (_vPrediction)
        {
            TensorPrimitives.Divide(sample, c.SkipDivisor, x0);            // sample / (σ²+1), float32
            TensorPrimitives.Multiply(modelOutput, c.OutputScale, scratch); // model_output · c_out, model dtype
            if (roundToHalf)
                RoundToHalfInPlace(scratch);
            TensorPrimitives.Add(scratch, x0, x0);
        }
        else
        {
            TensorPrimitives.Multiply(modelOutput, c.Sigma, scratch);       // σ̂ · model_output, model dtype
            if (roundToHalf)
                RoundToHalfInPlace(scratch);
            TensorPrimitives.Subtract(sample, scratch, x0);
        }
    }

    /// <summary>derivative = (sample − x0)/σ̂; prev = sample + derivative·dt, written over sample. x0 is consumed.</summary>
    private static void EulerUpdate(Span<float> sample, Span<float> x0, in StepCoefficients c)
    {
        TensorPrimitives.Subtract(sample, x0, x0);
        TensorPrimitives.Divide(x0, c.Sigma, x0);
        TensorPrimitives.Multiply(x0, c.Dt, x0);
        TensorPrimitives.Add(sample, x0, sample);
    }

    private static void RoundToHalfInPlace(Span<float> values)
    {
        Span<Half> halves = stackalloc Half[values.Length];
        TensorPrimitives.ConvertToHalf(values, halves);
        TensorPrimitives.ConvertToSingle(halves, values);
    }

    /// <summary>prediction_type is "v_prediction" (SVD); otherwise "epsilon".</summary>
    internal bool IsVPrediction => _vPrediction;

    /// <summary>The float32 0-d tensors of one step, each rounded where torch rounds it; the device loop's step graph
    /// takes them as inputs and repeats <see cref="Step(ReadOnlySpan{float}, int, Span{float})"/>'s operations.</summary>
    internal StepCoefficients Coefficients(int stepIndex)
    {
        if (_timesteps.Length == 0)
            throw new InvalidOperationException("No schedule is set: call SetTimesteps (or SetSigmas) before ScaleModelInput or Step.");
        ArgumentOutOfRangeException.ThrowIfNegative(stepIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepIndex, _timesteps.Length);

        var sigma = _sigmas[stepIndex];            // σ̂ = σ·(γ + 1) = σ, γ = 0 with s_churn = 0
        var skipDivisor = sigma * sigma + 1f;      // sigma**2 + 1: pow(·, 2) is a float32 square
        var inputDivisor = MathF.Sqrt(skipDivisor);   // (·) ** 0.5: correctly rounded float32 sqrt
        return new StepCoefficients(
            sigma,
            skipDivisor,
            inputDivisor,
            -sigma / inputDivisor,                 // c_out = -sigma / (sigma**2 + 1) ** 0.5
            _sigmas[stepIndex + 1] - sigma);       // dt; the last step gives -σ_{N-1}
    }

    private void Apply(float[] sigmas, float[] timesteps)
    {
        _sigmas = sigmas;
        _timesteps = timesteps;
        var maxSigma = TensorPrimitives.Max<float>(sigmas);
        InitNoiseSigma = Config.TimestepSpacing is "linspace" or "trailing"
            ? maxSigma
            : MathF.Sqrt(maxSigma * maxSigma + 1f);   // (max_sigma**2 + 1) ** 0.5, float32
    }

    // timesteps = torch.Tensor([0.25 * sigma.log() ...]): glibc's logf on a 0-d float32 tensor, times 0.25 (exact).
    private static float ContinuousTimestep(float sigma) => 0.25f * GlibcLogf.Log(sigma);

    private static void CheckLengths(int expected, int actual, string name)
    {
        if (expected != actual)
            throw new ArgumentException($"{name} has {actual} elements, but the input has {expected}; they must be the same shape.", name);
    }

    private static void CheckPrefix(int latentsLength, int predOriginalLength, string name)
    {
        if (predOriginalLength > latentsLength)
            throw new ArgumentException($"{name} has {predOriginalLength} elements, more than the latents' {latentsLength}.", name);
    }

    /// <summary>The part of one chunk's x0 (starting at <paramref name="start"/>) that falls in the asked-for prefix.</summary>
    private static void CopyPrefix(ReadOnlySpan<float> x0, int start, Span<float> predOriginalSample)
    {
        if (start < predOriginalSample.Length)
            x0[..Math.Min(x0.Length, predOriginalSample.Length - start)].CopyTo(predOriginalSample[start..]);
    }

    private static void CheckNoPartialOverlap(ReadOnlySpan<Half> source, Span<Half> destination)
    {
        if (source.Overlaps(destination, out var offset) && offset != 0)
            throw new ArgumentException("destination overlaps sample at an offset; pass the same span (in place) or separate memory.", nameof(destination));
    }

    private static List<string> FindUnsupported(EulerSchedulerConfig config)
    {
        var file = config.SourcePath is null ? "scheduler config" : Path.GetFileName(config.SourcePath);
        var problems = new List<string>();
        void Reject(string key, string found, string supported, string fix) =>
            problems.Add($"{file}: key '{key}' is {found}, but {supported}. {fix}");

        const string SvdFix = "SVD checkpoints use";
        if (config.PredictionType is not ("v_prediction" or "epsilon"))
        {
            Reject("prediction_type", Quote(config.PredictionType), "only \"v_prediction\" and \"epsilon\" are implemented",
                $"{SvdFix} \"v_prediction\"; a pack exported from another model needs its own scheduler support.");
        }
        if (!config.UseKarrasSigmas)
        {
            Reject("use_karras_sigmas", "false", "only Karras sigmas are implemented (the training-schedule sigmas of " +
                "timestep_spacing are not)", $"{SvdFix} true.");
        }
        if (config.UseExponentialSigmas)
            Reject("use_exponential_sigmas", "true", "exponential sigmas are not implemented", $"{SvdFix} false (or leave the key out).");
        if (config.UseBetaSigmas)
            Reject("use_beta_sigmas", "true", "beta sigmas are not implemented", $"{SvdFix} false (or leave the key out).");
        if (config.UseKarrasSigmas && (config.SigmaMin is null || config.SigmaMax is null))
        {
            Reject(config.SigmaMin is null ? "sigma_min" : "sigma_max", "null or missing",
                "Karras sigmas are implemented only with explicit sigma_min and sigma_max (not derived from the training schedule)",
                $"{SvdFix} sigma_min 0.002 and sigma_max 700.0.");
        }
        if (config.SigmaMin is { } min && config.SigmaMax is { } max && !(min > 0 && max > min))
        {
            Reject("sigma_min", FormattableString.Invariant($"{min:R} with sigma_max {max:R}"),
                "Karras sigmas need 0 < sigma_min < sigma_max", $"{SvdFix} sigma_min 0.002 and sigma_max 700.0.");
        }
        if (config.InterpolationType != "linear")
        {
            Reject("interpolation_type", Quote(config.InterpolationType), "only \"linear\" is implemented",
                $"{SvdFix} \"linear\".");
        }
        if (config.TimestepSpacing is not ("linspace" or "leading" or "trailing"))
        {
            Reject("timestep_spacing", Quote(config.TimestepSpacing), "diffusers accepts \"linspace\", \"leading\" or \"trailing\"",
                $"{SvdFix} \"leading\".");
        }
        if (config.TimestepType is not ("continuous" or "discrete"))
        {
            Reject("timestep_type", Quote(config.TimestepType), "only \"continuous\" and \"discrete\" exist",
                $"{SvdFix} \"continuous\".");
        }
        if (config.FinalSigmasType != "zero")
        {
            Reject("final_sigmas_type", Quote(config.FinalSigmasType), "only \"zero\" is implemented",
                $"{SvdFix} \"zero\" (or leave the key out).");
        }
        if (config.RescaleBetasZeroSnr)
            Reject("rescale_betas_zero_snr", "true", "zero-terminal-SNR rescaling is not implemented", $"{SvdFix} false (or leave the key out).");
        if (config.TrainedBetas is not null)
            Reject("trained_betas", "an array", "explicit training betas are not implemented", $"{SvdFix} null.");
        if (config.BetaSchedule is not ("linear" or "scaled_linear"))
        {
            Reject("beta_schedule", Quote(config.BetaSchedule), "only \"linear\" and \"scaled_linear\" are implemented",
                $"{SvdFix} \"scaled_linear\".");
        }
        if (config.NumTrainTimesteps < 2)
        {
            Reject("num_train_timesteps", config.NumTrainTimesteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "it must be at least 2", $"{SvdFix} 1000.");
        }
        return problems;
    }

    private static string Quote(string value) => $"\"{value}\"";

    internal readonly record struct StepCoefficients(float Sigma, float SkipDivisor, float InputDivisor, float OutputScale, float Dt);
}
