using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// The glue of diffusers' denoising loop as two ONNX graphs, so it runs on the UNet's device and the latents never
/// leave it between steps (<see cref="DeviceDenoisingLoop"/>). The operations are exactly those of the host loop in
/// <see cref="SvdPipeline"/> (<see cref="Guidance"/>, <see cref="Scheduling.EulerDiscreteScheduler"/>), one ONNX node
/// per torch op, in the same order and with the same float16 rounding points (a Cast to half and back), so on the
/// same execution provider both loops give the same bits; the tests compare them.
/// <list type="bullet">
/// <item><b>prepare</b> (once): initial latents and the image-latent block in, the step-0 UNet sample and timestep out.</item>
/// <item><b>step</b> (every step): the UNet's noise_pred, guidance, Euler step; the new latents out, plus the next step's
/// UNet sample and timestep.</item>
/// </list>
/// Layouts: latents [V,F,C,h,w] float32 (float16 packs hold half values in it, as the host loop does); image block and
/// noise_pred [Bu,F,C,h,w]; sample [Bu,F,2C,h,w]; coefficients [6] (<see cref="StepCoefficientSlots"/>).
/// </summary>
internal static class DenoisingGraphs
{
    public const string LatentsIn = "latents", ImageBlockIn = "image_block", CoefficientsIn = "coefficients",
        NoisePredIn = "noise_pred", GuidanceIn = "guidance", EncoderHiddenStatesIn = "encoder_hidden_states",
        AddedTimeIdsIn = "added_time_ids";

    public const string LatentsOut = "latents_out", ImageBlockOut = "image_block_out", SampleOut = "sample_out",
        TimestepOut = "timestep_out", PreviewOut = "denoised_first_frame", EncoderHiddenStatesOut = "encoder_hidden_states_out",
        AddedTimeIdsOut = "added_time_ids_out";

    private const TensorElementType F32 = TensorElementType.Float, F16 = TensorElementType.Float16;

    /// <summary>Inputs: <c>latents</c> f32, <c>image_block</c> f32 [Bu,F,C,h,w], <c>coefficients</c>, and the UNet's
    /// <c>encoder_hidden_states</c> and <c>added_time_ids</c> in its types.
    /// Outputs: <c>latents_out</c> (the same values, now where the graph ran), <c>image_block_out</c> (sample dtype),
    /// <c>sample_out</c>, <c>timestep_out</c>, and the two conditioning tensors unchanged: written into buffers that
    /// stay bound to the UNet, which a captured CUDA graph needs (a host tensor bound directly is copied to a new
    /// device address at every binding).</summary>
    public static byte[] Prepare(DenoisingShape shape)
    {
        var g = new OnnxGraphBuilder("svdweb_prepare");
        var latents = g.Input(LatentsIn, F32, shape.Latents);
        var imageBlock = g.Input(ImageBlockIn, F32, shape.Batch);
        var coefficients = g.Input(CoefficientsIn, F32, StepCoefficientSlots.Count);
        var encoderHiddenStates = g.Input(EncoderHiddenStatesIn, shape.EncoderHiddenStatesType, shape.EncoderHiddenStates);
        var addedTimeIds = g.Input(AddedTimeIdsIn, shape.AddedTimeIdsType, shape.AddedTimeIds);
        var imageBlockTyped = CastTo(g, imageBlock, F32, shape.SampleType);
        g.Output(EncoderHiddenStatesOut, encoderHiddenStates, shape.EncoderHiddenStatesType, shape.EncoderHiddenStates);
        g.Output(AddedTimeIdsOut, addedTimeIds, shape.AddedTimeIdsType, shape.AddedTimeIds);
        g.Output(LatentsOut, latents, F32, shape.Latents);
        g.Output(ImageBlockOut, imageBlockTyped, shape.SampleType, shape.Batch);
        WriteUNetInputs(g, shape, latents, imageBlockTyped, coefficients);
        return g.Build();
    }

    /// <summary>Inputs: <c>noise_pred</c>, <c>latents</c>, <c>image_block</c> (sample dtype), <c>guidance</c> [1,F,1,1,1]
    /// f32 (with guidance only), <c>coefficients</c>. Outputs: <c>latents_out</c>, <c>sample_out</c>,
    /// <c>timestep_out</c>, and <c>denoised_first_frame</c> [1,1,C,h,w] when <see cref="DenoisingShape.Preview"/>.</summary>
    public static byte[] Step(DenoisingShape shape)
    {
        var g = new OnnxGraphBuilder("svdweb_step");
        var noisePred = g.Input(NoisePredIn, shape.NoisePredType, shape.Batch);
        var latents = g.Input(LatentsIn, F32, shape.Latents);
        var imageBlock = g.Input(ImageBlockIn, shape.SampleType, shape.Batch);
        var guidance = shape.Guidance ? g.Input(GuidanceIn, F32, 1, shape.Frames, 1, 1, 1) : null;
        var coefficients = g.Input(CoefficientsIn, F32, StepCoefficientSlots.Count);
        string Round(string value) => RoundToPackDtype(g, shape, value);
        string Coefficient(int slot) => g.Node("Slice", [coefficients, g.Int64s(slot), g.Int64s(slot + 1), g.Int64s(0)]);

        // noise_pred widened exactly to float32, as the host loop reads it.
        var modelOutput = CastTo(g, noisePred, shape.NoisePredType, F32);

        // perform guidance: noise_pred_uncond + g·(noise_pred_cond − noise_pred_uncond), three rounded ops (Guidance).
        var guided = modelOutput;
        if (guidance is not null)
        {
            var uncond = g.Node("Slice", [modelOutput, g.Int64s(0), g.Int64s(shape.Videos), g.Int64s(0)]);
            var cond = g.Node("Slice", [modelOutput, g.Int64s(shape.Videos), g.Int64s(shape.UNetBatch), g.Int64s(0)]);
            var diff = Round(g.Node("Sub", [cond, uncond]));
            var scaledDiff = Round(g.Node("Mul", [diff, guidance]));
            guided = Round(g.Node("Add", [uncond, scaledDiff]));
        }

        // scheduler.step: pred_original_sample, then derivative·dt (EulerDiscreteScheduler.PredictOriginal/EulerUpdate).
        var sigma = Coefficient(StepCoefficientSlots.Sigma);
        string predOriginal;
        if (shape.VPrediction)
        {
            var skip = g.Node("Div", [latents, Coefficient(StepCoefficientSlots.SkipDivisor)]);
            var output = Round(g.Node("Mul", [guided, Coefficient(StepCoefficientSlots.OutputScale)]));
            predOriginal = g.Node("Add", [output, skip]);
        }
        else
        {
            var output = Round(g.Node("Mul", [guided, sigma]));
            predOriginal = g.Node("Sub", [latents, output]);
        }
        var derivative = g.Node("Div", [g.Node("Sub", [latents, predOriginal]), sigma]);
        var delta = g.Node("Mul", [derivative, Coefficient(StepCoefficientSlots.Dt)]);
        // prev_sample: float32, cast back to the latents' dtype (half in a float16 pack).
        var next = Round(g.Node("Add", [latents, delta]));

        g.Output(LatentsOut, next, F32, shape.Latents);
        WriteUNetInputs(g, shape, next, imageBlock, coefficients);
        if (shape.Preview)
        {
            var firstFrame = g.Node("Slice", [predOriginal, g.Int64s(0, 0), g.Int64s(1, 1), g.Int64s(0, 1)]);
            g.Output(PreviewOut, firstFrame, F32, shape.FirstFrame);
        }
        return g.Build();
    }

    /// <summary>
    /// The UNet inputs for the step whose divisor and timestep are in the NEXT slots: latent_model_input =
    /// scale_model_input(cat([latents]·Bu/V)), channels-concatenated with the image block; the timestep repeated.
    /// </summary>
    private static void WriteUNetInputs(OnnxGraphBuilder g, DenoisingShape shape, string latents, string imageBlockTyped, string coefficients)
    {
        var divisor = g.Node("Slice", [coefficients, g.Int64s(StepCoefficientSlots.NextInputDivisor), g.Int64s(StepCoefficientSlots.NextInputDivisor + 1), g.Int64s(0)]);
        // Scaling the V rows once and repeating them equals scaling the repeated rows (the host loop does the same).
        var scaled = RoundToPackDtype(g, shape, g.Node("Div", [latents, divisor]));
        var rows = shape.Guidance ? g.Node("Concat", [scaled, scaled], ("axis", 0)) : scaled;
        var sample = g.Node("Concat", [CastTo(g, rows, F32, shape.SampleType), imageBlockTyped], ("axis", 2));
        g.Output(SampleOut, sample, shape.SampleType, shape.Sample);

        var timestep = g.Node("Slice", [coefficients, g.Int64s(StepCoefficientSlots.NextTimestep), g.Int64s(StepCoefficientSlots.NextTimestep + 1), g.Int64s(0)]);
        var repeated = g.Node("Expand", [timestep, g.Int64s(shape.TimestepCount)]);
        g.Output(TimestepOut, CastTo(g, repeated, F32, shape.TimestepType), shape.TimestepType, shape.TimestepCount);
    }

    /// <summary>What a torch op in the pack dtype stores: in a float16 pack, the float32 result rounded to half.</summary>
    private static string RoundToPackDtype(OnnxGraphBuilder g, DenoisingShape shape, string value) =>
        shape.IsHalf ? g.Node("Cast", [g.Node("Cast", [value], ("to", F16))], ("to", F32)) : value;

    private static string CastTo(OnnxGraphBuilder g, string value, TensorElementType from, TensorElementType to) =>
        from == to ? value : g.Node("Cast", [value], ("to", to));
}
