using SvdWeb.Inference.Scheduling;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Scheduling;

public sealed class EulerDiscreteSchedulerTests
{
    private static EulerSchedulerConfig SvdConfig =>
        EulerSchedulerConfig.Load(Fixtures.File("tiny-svd/scheduler/scheduler_config.json"));

    private static EulerDiscreteScheduler SvdScheduler(int numInferenceSteps)
    {
        var scheduler = new EulerDiscreteScheduler(SvdConfig);
        scheduler.SetTimesteps(numInferenceSteps);
        return scheduler;
    }

    public static TheoryData<int> GoldenStepCounts() => new(ManifestStepCounts());

    private static IEnumerable<int> ManifestStepCounts() =>
        Fixtures.Manifest.GetProperty("scheduler").GetProperty("cases").EnumerateArray()
            .Select(schedulerCase => schedulerCase.GetProperty("num_inference_steps").GetInt32());

    public static TheoryData<string> PipelineCases() => new("A", "B", "C");

    [Fact]
    public void GoldenStepCounts_ManifestListsTheDocumentedCounts() =>
        Assert.Equal([1, 2, 3, 10, 25, 30], ManifestStepCounts());

    [Theory]
    [MemberData(nameof(GoldenStepCounts))]
    public void SetTimesteps_GoldenStepCount_SigmasBitExact(int steps)
    {
        var golden = Fixtures.Golden($"scheduler/steps{steps}_sigmas.npy");

        var scheduler = SvdScheduler(steps);

        TensorAssert.BitExact($"sigmas n={steps}", golden.ToFloat32(), golden.Shape, scheduler.Sigmas);
    }

    [Theory]
    [MemberData(nameof(GoldenStepCounts))]
    public void SetTimesteps_GoldenStepCount_TimestepsBitExact(int steps)
    {
        var golden = Fixtures.Golden($"scheduler/steps{steps}_timesteps.npy");

        var scheduler = SvdScheduler(steps);

        Assert.Equal(steps, scheduler.NumInferenceSteps);
        TensorAssert.BitExact($"timesteps n={steps}", golden.ToFloat32(), golden.Shape, scheduler.Timesteps);
    }

    [Theory]
    [MemberData(nameof(GoldenStepCounts))]
    public void SetTimesteps_GoldenStepCount_InitNoiseSigmaBitExact(int steps)
    {
        var golden = Fixtures.Golden($"scheduler/steps{steps}_init_noise_sigma.npy").ToFloat32();

        var scheduler = SvdScheduler(steps);

        Assert.Equal(0x442F000Cu, BitConverter.SingleToUInt32Bits(golden[0]));   // 700.00073, not 700 (Inference README §5.3)
        Assert.Equal(BitConverter.SingleToUInt32Bits(golden[0]), BitConverter.SingleToUInt32Bits(scheduler.InitNoiseSigma));
    }

    [Fact]
    public void SetTimesteps_25Steps_Sigma16TimestepIsGlibcLogNotCorrectlyRounded()
    {
        // Inference README §5.2: the one default-schedule timestep where a double log rounded to float32 is 1 ulp off.
        var scheduler = SvdScheduler(25);

        Assert.Equal(0x40113934u, BitConverter.SingleToUInt32Bits(scheduler.Sigmas[16]));
        Assert.Equal(0x3E51C394u, BitConverter.SingleToUInt32Bits(scheduler.Timesteps[16]));
        Assert.NotEqual(0x3E51C394u, BitConverter.SingleToUInt32Bits((float)(0.25 * Math.Log(scheduler.Sigmas[16]))));
    }

    [Fact]
    public void SetTimesteps_CalledAgain_ReplacesSchedule()
    {
        var scheduler = SvdScheduler(25);

        scheduler.SetTimesteps(3);

        Assert.Equal(4, scheduler.Sigmas.Length);
        Assert.Equal(3, scheduler.Timesteps.Length);
    }

    [Fact]
    public void SetTimesteps_ZeroSteps_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EulerDiscreteScheduler(SvdConfig).SetTimesteps(0));

    [Fact]
    public void SetSigmas_GoldenKarrasSigmas_ReproducesSetTimesteps()
    {
        // Inference README §5.6: a custom list is used as given, so the 25-step Karras list gives the same schedule.
        var reference = SvdScheduler(25);
        var custom = new EulerDiscreteScheduler(SvdConfig);

        custom.SetSigmas(Fixtures.Golden("scheduler/steps25_sigmas.npy").ToFloat32());

        TensorAssert.BitExact("custom sigmas", reference.Sigmas, [26], custom.Sigmas);
        TensorAssert.BitExact("custom timesteps", reference.Timesteps, [25], custom.Timesteps);
        Assert.Equal(reference.InitNoiseSigma, custom.InitNoiseSigma);
        Assert.Equal(25, custom.NumInferenceSteps);
    }

    [Theory]
    [InlineData(new float[] { 5f })]
    [InlineData(new float[] { 5f, -1f })]
    [InlineData(new float[] { 5f, 0f, 0f })]
    [InlineData(new float[] { float.NaN, 0f })]
    public void SetSigmas_InvalidList_ThrowsArgumentException(float[] sigmas) =>
        Assert.Throws<ArgumentException>(() => new EulerDiscreteScheduler(SvdConfig).SetSigmas(sigmas));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ScaleModelInput_StepPairGolden_BitExact(int index)
    {
        var scheduler = SvdScheduler(25);
        var sample = Fixtures.Golden($"scheduler/step_pair/step{index}_sample_in.npy");
        var expected = Fixtures.Golden($"scheduler/step_pair/step{index}_scale_model_input_out.npy");
        var actual = new float[sample.Length];

        scheduler.ScaleModelInput(sample.ToFloat32(), index, actual);

        TensorAssert.BitExact($"step_pair {index} scale_model_input", expected.ToFloat32(), expected.Shape, actual);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Step_StepPairGolden_PrevSampleAndPredOriginalBitExact(int index)
    {
        var scheduler = SvdScheduler(25);
        var latents = Fixtures.Golden($"scheduler/step_pair/step{index}_sample_in.npy").ToFloat32();
        var modelOutput = Fixtures.Golden($"scheduler/step_pair/step{index}_model_output.npy").ToFloat32();
        var prev = Fixtures.Golden($"scheduler/step_pair/step{index}_prev_sample.npy");
        var predOriginal = Fixtures.Golden($"scheduler/step_pair/step{index}_pred_original_sample.npy");
        var actualPredOriginal = new float[latents.Length];

        scheduler.Step(modelOutput, index, latents, actualPredOriginal);

        TensorAssert.BitExact($"step_pair {index} pred_original_sample", predOriginal.ToFloat32(), predOriginal.Shape, actualPredOriginal);
        TensorAssert.BitExact($"step_pair {index} prev_sample", prev.ToFloat32(), prev.Shape, latents);
    }

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void ScaleModelInputAndStep_PipelineCase_EveryStepBitExact(string caseName)
    {
        // The whole denoising loop of a golden pipeline run, UNet outputs taken from the golden: the scheduler's glue
        // (scale_model_input, the Euler step) must reproduce every intermediate latent bit for bit.
        var pipelineCase = Fixtures.Manifest.GetProperty("pipeline").GetProperty("cases").GetProperty(caseName);
        var steps = pipelineCase.GetProperty("call").GetProperty("kwargs").GetProperty("num_inference_steps").GetInt32();
        var guided = pipelineCase.GetProperty("do_classifier_free_guidance").GetBoolean();
        var scheduler = SvdScheduler(steps);
        var initial = Fixtures.Golden($"pipeline/{caseName}/initial_latents.npy");
        var latents = initial.ToFloat32();                 // [1, F, 4, h, w]
        var scaled = new float[latents.Length];

        Assert.Equal(pipelineCase.GetProperty("scheduler_init_noise_sigma").GetSingle(), scheduler.InitNoiseSigma);
        var randn = Fixtures.Golden($"pipeline/{caseName}/latents_randn.npy").ToFloat32();
        TensorAssert.BitExact($"{caseName} initial_latents", initial.ToFloat32(), initial.Shape,
            randn.Select(v => v * scheduler.InitNoiseSigma).ToArray());

        for (var i = 0; i < steps; i++)
        {
            Assert.Equal(Fixtures.Golden($"pipeline/{caseName}/step{i}_sigma.npy").ToFloat32()[0], scheduler.Sigmas[i]);
            Assert.Equal(Fixtures.Golden($"pipeline/{caseName}/step{i}_timestep.npy").ToFloat32()[0], scheduler.Timesteps[i]);

            scheduler.ScaleModelInput(latents, i, scaled);
            // With CFG the pipeline scales cat([latents] * 2): [2, F, 4, h, w], both halves the same latents.
            var expectedScaled = Fixtures.Golden($"pipeline/{caseName}/step{i}_scaled_latent_model_input.npy");
            var scaledBatch = guided ? [.. scaled, .. scaled] : scaled;
            TensorAssert.BitExact($"{caseName} step{i}_scaled_latent_model_input", expectedScaled.ToFloat32(), expectedScaled.Shape, scaledBatch);

            var modelOutput = Fixtures.Golden($"pipeline/{caseName}/step{i}_guided_model_output.npy").ToFloat32();
            scheduler.Step(modelOutput, i, latents);
            var expectedLatents = Fixtures.Golden($"pipeline/{caseName}/step{i}_latents_after_step.npy");
            TensorAssert.BitExact($"{caseName} step{i}_latents_after_step", expectedLatents.ToFloat32(), expectedLatents.Shape, latents);
        }

        var final = Fixtures.Golden($"pipeline/{caseName}/final_latents.npy");
        TensorAssert.BitExact($"{caseName} final_latents", final.ToFloat32(), final.Shape, latents);
    }

    [Fact]
    public void ScaleModelInput_InPlace_SameAsSeparateDestination()
    {
        var scheduler = SvdScheduler(25);
        var sample = Fixtures.Golden("scheduler/step_pair/step1_sample_in.npy").ToFloat32();
        var separate = new float[sample.Length];

        scheduler.ScaleModelInput(sample, 3, separate);
        scheduler.ScaleModelInput(sample, 3, sample);

        Assert.Equal(separate, sample);
    }

    [Fact]
    public void StepHalf_StepPairData_MatchesScalarFp16Reference()
    {
        // fp16 packs: model_output·c_out is rounded to half, the rest is float32, prev_sample is rounded to half
        // (Inference README §5.5). The reference is the same formula written per element.
        var scheduler = SvdScheduler(25);
        const int Index = 1;
        var latents = ToHalf(Fixtures.Golden("scheduler/step_pair/step1_sample_in.npy").ToFloat32());
        var modelOutput = ToHalf(Fixtures.Golden("scheduler/step_pair/step1_model_output.npy").ToFloat32());
        var sigma = scheduler.Sigmas[Index];
        var skipDivisor = sigma * sigma + 1f;
        var outputScale = -sigma / MathF.Sqrt(skipDivisor);
        var dt = scheduler.Sigmas[Index + 1] - sigma;
        var expected = new Half[latents.Length];
        for (var i = 0; i < latents.Length; i++)
        {
            var s = (float)latents[i];
            var x0 = (float)(Half)((float)modelOutput[i] * outputScale) + s / skipDivisor;
            expected[i] = (Half)(s + (s - x0) / sigma * dt);
        }

        scheduler.Step(modelOutput, Index, latents);

        Assert.Equal(expected, latents);
    }

    [Fact]
    public void ScaleModelInputHalf_InPlace_MatchesScalarFp16Reference()
    {
        var scheduler = SvdScheduler(25);
        var sample = ToHalf(Fixtures.Golden("scheduler/step_pair/step0_sample_in.npy").ToFloat32().Select(v => v * 700f).ToArray());
        var divisor = MathF.Sqrt(scheduler.Sigmas[0] * scheduler.Sigmas[0] + 1f);
        var expected = sample.Select(v => (Half)((float)v / divisor)).ToArray();

        scheduler.ScaleModelInput(sample, 0, sample);

        Assert.Equal(expected, sample);
    }

    [Fact]
    public void Step_EpsilonPrediction_MatchesScalarReference()
    {
        var scheduler = new EulerDiscreteScheduler(SvdConfig with { PredictionType = "epsilon" });
        scheduler.SetTimesteps(25);
        const int Index = 4;
        var latents = Fixtures.Golden("scheduler/step_pair/step1_sample_in.npy").ToFloat32();
        var modelOutput = Fixtures.Golden("scheduler/step_pair/step1_model_output.npy").ToFloat32();
        var sigma = scheduler.Sigmas[Index];
        var dt = scheduler.Sigmas[Index + 1] - sigma;
        var expected = new float[latents.Length];
        for (var i = 0; i < latents.Length; i++)
        {
            var x0 = latents[i] - sigma * modelOutput[i];              // sample - sigma_hat * model_output
            expected[i] = latents[i] + (latents[i] - x0) / sigma * dt;
        }

        scheduler.Step(modelOutput, Index, latents);

        TensorAssert.BitExact("epsilon step", expected, [expected.Length], latents);
    }

    [Fact]
    public void SetTimesteps_EpsilonPrediction_UsesDiscreteTrainingTimesteps()
    {
        // Epsilon ignores timestep_type "continuous" (diffusers' 0.25·ln σ is v-prediction only): the timesteps are
        // _sigma_to_t of the training schedule, whose σ spans about 0.029..14.6 for SVD's betas; Karras σ outside that
        // range clip to the ends.
        var scheduler = new EulerDiscreteScheduler(SvdConfig with { PredictionType = "epsilon" });

        scheduler.SetTimesteps(25);

        Assert.Equal(999f, scheduler.Timesteps[0]);
        Assert.Equal(0f, scheduler.Timesteps[^1]);
        for (var i = 1; i < 25; i++)
            Assert.True(scheduler.Timesteps[i] <= scheduler.Timesteps[i - 1]);
        TensorAssert.BitExact("epsilon sigmas", Fixtures.Golden("scheduler/steps25_sigmas.npy").ToFloat32(), [26], scheduler.Sigmas);
    }

    [Fact]
    public void TrainingLogSigmas_SvdBetas_MatchKnownScaledLinearSigmas()
    {
        // The scaled_linear (0.00085, 0.012) schedule's σ range as diffusers reports it (sigmas.max() = 14.6146…,
        // min 0.0291675…).
        var logSigmas = SigmaSchedules.TrainingLogSigmas(SvdConfig);

        Assert.Equal(1000, logSigmas.Length);
        Assert.Equal(14.614642, Math.Exp(logSigmas[^1]), 4e-5);
        Assert.Equal(0.0291675, Math.Exp(logSigmas[0]), 1e-7);
        Assert.Equal(500f, SigmaSchedules.SigmaToTimestep(Math.Exp(logSigmas[500]), logSigmas), 1e-3f);
    }

    [Fact]
    public void Step_BeforeSetTimesteps_ThrowsInvalidOperation()
    {
        var scheduler = new EulerDiscreteScheduler(SvdConfig);

        var ex = Assert.Throws<InvalidOperationException>(() => scheduler.Step(new float[4], 0, new float[4]));

        Assert.Contains("SetTimesteps", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void Step_StepIndexOutsideSchedule_ThrowsArgumentOutOfRange(int stepIndex) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SvdScheduler(3).Step(new float[4], stepIndex, new float[4]));

    [Fact]
    public void Step_ModelOutputLengthDiffers_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => SvdScheduler(3).Step(new float[4], 0, new float[5]));

    [Fact]
    public void StepAndScaleModelInput_SvdXtLatents_DoNotAllocate()
    {
        // [1, 25, 4, 72, 128]: 25 frames at 576x1024. The denoising loop must not allocate per step (style 2.5).
        const int Length = 25 * 4 * 72 * 128;
        var scheduler = SvdScheduler(25);
        var latents = new float[Length];
        var modelOutput = new float[Length];
        var scaled = new float[Length];
        var latentsHalf = new Half[Length];
        var modelOutputHalf = new Half[Length];
        var scaledHalf = new Half[Length];
        RunAll(0);   // JIT and static initialisation first

        var before = GC.GetAllocatedBytesForCurrentThread();
        RunAll(1);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        void RunAll(int step)
        {
            scheduler.ScaleModelInput(latents, step, scaled);
            scheduler.Step(modelOutput, step, latents);
            scheduler.ScaleModelInput(latentsHalf, step, scaledHalf);
            scheduler.Step(modelOutputHalf, step, latentsHalf);
        }
    }

    private static Half[] ToHalf(float[] values) => Array.ConvertAll(values, v => (Half)v);
}
