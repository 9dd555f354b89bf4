using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// Step 9 of the pipeline with the latents kept where the UNet runs: the UNet and the step graph exchange device
/// tensors through I/O bindings, so inside the loop nothing crosses to the host but the six step scalars (24 bytes up)
/// and, when previews are on, the first frame's denoised estimate (C·h·w floats down). The final latents come back
/// once, after the last step. On CPU the "device" is host memory and the same code runs with no copies at all.
/// Buffers (all allocated once per run):
/// <c>sample</c> [Bu,F,2C,h,w] and <c>timestep</c> [Bu|1] (UNet inputs, rewritten by each step graph run),
/// <c>noise_pred</c> [Bu,F,C,h,w] (UNet output), <c>image block</c> [Bu,F,C,h,w], and two [V,F,C,h,w] float32 latents
/// buffers used in turn (a graph may not write the buffer it reads).
/// </summary>
internal sealed class DeviceDenoisingLoop(UNet unet, DenoisingGlue glue, DenoisingShape shape, SessionFactory factory) : IDenoisingLoop
{
    public TimeSpan GlueTimeInRuns => glue.Prepare.TimeInRuns + glue.Step.TimeInRuns;

    /// <remarks>encoder_hidden_states and added_time_ids are bound from <paramref name="unetInputs"/>'s host tensors
    /// once (a device binding copies them there once).</remarks>
    public void Run(UNet.Run unetInputs, float[] latents, float[] imageBlock, float[] guidanceScale,
        EulerDiscreteScheduler scheduler, DenoisingStepDone stepDone, CancellationToken ct)
    {
        using var deviceMemory = factory.DeviceMemory();
        using var ownAllocator = deviceMemory is null ? null : unet.Model.CreateDeviceAllocator(deviceMemory);
        var allocator = ownAllocator ?? OrtAllocator.DefaultInstance;
        using var sample = OrtValue.CreateAllocatedTensorValue(allocator, shape.SampleType, shape.Sample);
        using var timestep = OrtValue.CreateAllocatedTensorValue(allocator, shape.TimestepType, [shape.TimestepCount]);
        using var noisePred = OrtValue.CreateAllocatedTensorValue(allocator, shape.NoisePredType, shape.Batch);
        using var imageBlockOnDevice = OrtValue.CreateAllocatedTensorValue(allocator, shape.SampleType, shape.Batch);
        using var latentsA = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, shape.Latents);
        using var latentsB = OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, shape.Latents);

        using var latentsHost = OrtValue.CreateTensorValueFromMemory(latents, shape.Latents);
        using var imageBlockHost = OrtValue.CreateTensorValueFromMemory(imageBlock, shape.Batch);
        var coefficients = new float[StepCoefficientSlots.Count];
        using var coefficientsHost = OrtValue.CreateTensorValueFromMemory(coefficients, [StepCoefficientSlots.Count]);
        using var guidanceHost = OrtValue.CreateTensorValueFromMemory(guidanceScale, [1, shape.Frames, 1, 1, 1]);
        var preview = shape.Preview ? new float[shape.LatentChannels * shape.LatentHeight * shape.LatentWidth] : null;
        using var previewHost = preview is null ? null : OrtValue.CreateTensorValueFromMemory(preview, shape.FirstFrame);

        var steps = scheduler.NumInferenceSteps;
        // Step 0's UNet inputs: the latents and image block move to the device here, once.
        SetNext(coefficients, scheduler, 0);
        using (var prepare = glue.Prepare.CreateIoBinding())
        {
            prepare.BindInput(DenoisingGraphs.LatentsIn, latentsHost);
            prepare.BindInput(DenoisingGraphs.ImageBlockIn, imageBlockHost);
            prepare.BindInput(DenoisingGraphs.CoefficientsIn, coefficientsHost);
            prepare.BindOutput(DenoisingGraphs.LatentsOut, latentsA);
            prepare.BindOutput(DenoisingGraphs.ImageBlockOut, imageBlockOnDevice);
            prepare.BindOutput(DenoisingGraphs.SampleOut, sample);
            prepare.BindOutput(DenoisingGraphs.TimestepOut, timestep);
            glue.Prepare.Run(prepare, ct);
        }

        // The UNet's bindings never change: the step graph rewrites sample and timestep in place.
        unetInputs.EncoderHiddenStates.CopyToOrt();
        unetInputs.AddedTimeIds.CopyToOrt();
        using var unetBinding = unet.Model.CreateIoBinding();
        unetBinding.BindInput(unet.InputNames[0], sample);
        unetBinding.BindInput(unet.InputNames[1], timestep);
        unetBinding.BindInput(unet.InputNames[2], unetInputs.EncoderHiddenStates.Value);
        unetBinding.BindInput(unet.InputNames[3], unetInputs.AddedTimeIds.Value);
        unetBinding.BindOutput(unet.OutputNameInGraph, noisePred);

        using var stepBinding = glue.Step.CreateIoBinding();
        OrtValue current = latentsA, next = latentsB;
        for (var i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            unet.Model.Run(unetBinding, ct);

            var c = scheduler.Coefficients(i);
            coefficients[StepCoefficientSlots.Sigma] = c.Sigma;
            coefficients[StepCoefficientSlots.SkipDivisor] = c.SkipDivisor;
            coefficients[StepCoefficientSlots.OutputScale] = c.OutputScale;
            coefficients[StepCoefficientSlots.Dt] = c.Dt;
            SetNext(coefficients, scheduler, i + 1);
            var last = i == steps - 1;

            // Rebound every step: a device binding copies a host input when it is bound, so the new scalars must be
            // bound after they are written; and the latents buffers swap roles.
            stepBinding.ClearBoundInputs();
            stepBinding.ClearBoundOutputs();
            stepBinding.BindInput(DenoisingGraphs.NoisePredIn, noisePred);
            stepBinding.BindInput(DenoisingGraphs.LatentsIn, current);
            stepBinding.BindInput(DenoisingGraphs.ImageBlockIn, imageBlockOnDevice);
            if (shape.Guidance) stepBinding.BindInput(DenoisingGraphs.GuidanceIn, guidanceHost);
            stepBinding.BindInput(DenoisingGraphs.CoefficientsIn, coefficientsHost);
            stepBinding.BindOutput(DenoisingGraphs.LatentsOut, last ? latentsHost : next);
            stepBinding.BindOutput(DenoisingGraphs.SampleOut, sample);
            stepBinding.BindOutput(DenoisingGraphs.TimestepOut, timestep);
            if (previewHost is not null) stepBinding.BindOutput(DenoisingGraphs.PreviewOut, previewHost);
            glue.Step.Run(stepBinding, ct);
            if (last || previewHost is not null) stepBinding.SynchronizeBoundOutputs();

            (current, next) = (next, current);
            stepDone(i, Stopwatch.GetElapsedTime(start), preview, []);
        }
    }

    /// <summary>The scale_model_input divisor and timestep of step <paramref name="stepIndex"/>; after the last step
    /// there is none, and the graph's next-step outputs are not used.</summary>
    private static void SetNext(float[] coefficients, EulerDiscreteScheduler scheduler, int stepIndex)
    {
        var exists = stepIndex < scheduler.NumInferenceSteps;
        coefficients[StepCoefficientSlots.NextInputDivisor] = exists ? scheduler.Coefficients(stepIndex).InputDivisor : 1f;
        coefficients[StepCoefficientSlots.NextTimestep] = exists ? scheduler.Timesteps[stepIndex] : 0f;
    }
}
