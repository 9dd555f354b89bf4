using System.Diagnostics;
using Microsoft.Extensions.Logging;
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
/// Buffers (<see cref="DenoisingBuffers"/>): <c>sample</c> [Bu,F,2C,h,w] and <c>timestep</c> [Bu|1] (UNet inputs,
/// rewritten by each step graph run), <c>encoder_hidden_states</c> and <c>added_time_ids</c> (written once by the
/// prepare graph), <c>noise_pred</c> [Bu,F,C,h,w] (UNet output), <c>image block</c> [Bu,F,C,h,w], and two [V,F,C,h,w]
/// float32 latents buffers used in turn (a graph may not write the buffer it reads). They are allocated for the run,
/// or, with CUDA graphs, are the captured shape's, which the UNet's graph was captured on (Inference README §4.9.1):
/// every UNet input is then written into its fixed buffer by the glue before the UNet replays.
/// </summary>
internal sealed class DeviceDenoisingLoop(UNet unet, DenoisingGlue glue, DenoisingShape shape, SessionFactory factory,
    CapturedShapes? graphs, IUNetGraphRunner runner, ILogger logger) : IDenoisingLoop
{
    public TimeSpan GlueTimeInRuns => glue.Prepare.TimeInRuns + glue.Step.TimeInRuns;

    public void Run(UNet.Run unetInputs, float[] latents, float[] imageBlock, float[] guidanceScale,
        EulerDiscreteScheduler scheduler, DenoisingStepDone stepDone, CancellationToken ct)
    {
        var captured = graphs?.Acquire(shape);
        try
        {
            if (captured is not null)
            {
                Run(captured.Buffers, captured, unetInputs, latents, imageBlock, guidanceScale, scheduler, stepDone, ct);
                return;
            }
            using var deviceMemory = factory.DeviceMemory();
            using var ownAllocator = deviceMemory is null ? null : unet.Model.CreateDeviceAllocator(deviceMemory);
            using var buffers = new DenoisingBuffers(ownAllocator ?? OrtAllocator.DefaultInstance, shape);
            Run(buffers, null, unetInputs, latents, imageBlock, guidanceScale, scheduler, stepDone, ct);
        }
        finally
        {
            if (captured is not null) graphs!.Return(captured);
        }
    }

    private void Run(DenoisingBuffers buffers, CapturedShape? captured, UNet.Run unetInputs, float[] latents, float[] imageBlock,
        float[] guidanceScale, EulerDiscreteScheduler scheduler, DenoisingStepDone stepDone, CancellationToken ct)
    {
        using var latentsHost = OrtValue.CreateTensorValueFromMemory(latents, shape.Latents);
        using var imageBlockHost = OrtValue.CreateTensorValueFromMemory(imageBlock, shape.Batch);
        var coefficients = new float[StepCoefficientSlots.Count];
        using var coefficientsHost = OrtValue.CreateTensorValueFromMemory(coefficients, [StepCoefficientSlots.Count]);
        using var guidanceHost = OrtValue.CreateTensorValueFromMemory(guidanceScale, [1, shape.Frames, 1, 1, 1]);
        var preview = shape.Preview ? new float[shape.LatentChannels * shape.LatentHeight * shape.LatentWidth] : null;
        using var previewHost = preview is null ? null : OrtValue.CreateTensorValueFromMemory(preview, shape.FirstFrame);

        var steps = scheduler.NumInferenceSteps;
        // Step 0's UNet inputs: the latents, image block and conditioning move to the device here, once.
        SetNext(coefficients, scheduler, 0);
        unetInputs.EncoderHiddenStates.CopyToOrt();
        unetInputs.AddedTimeIds.CopyToOrt();
        using (var prepare = glue.Prepare.CreateIoBinding())
        {
            prepare.BindInput(DenoisingGraphs.LatentsIn, latentsHost);
            prepare.BindInput(DenoisingGraphs.ImageBlockIn, imageBlockHost);
            prepare.BindInput(DenoisingGraphs.CoefficientsIn, coefficientsHost);
            prepare.BindInput(DenoisingGraphs.EncoderHiddenStatesIn, unetInputs.EncoderHiddenStates.Value);
            prepare.BindInput(DenoisingGraphs.AddedTimeIdsIn, unetInputs.AddedTimeIds.Value);
            prepare.BindOutput(DenoisingGraphs.LatentsOut, buffers.LatentsA);
            prepare.BindOutput(DenoisingGraphs.ImageBlockOut, buffers.ImageBlock);
            prepare.BindOutput(DenoisingGraphs.SampleOut, buffers.Sample);
            prepare.BindOutput(DenoisingGraphs.TimestepOut, buffers.Timestep);
            prepare.BindOutput(DenoisingGraphs.EncoderHiddenStatesOut, buffers.EncoderHiddenStates);
            prepare.BindOutput(DenoisingGraphs.AddedTimeIdsOut, buffers.AddedTimeIds);
            glue.Prepare.Run(prepare, ct);
        }

        // The UNet's bindings never change: the step graph rewrites sample and timestep in place.
        using var unetBinding = unet.Model.CreateIoBinding();
        unetBinding.BindInput(unet.InputNames[0], buffers.Sample);
        unetBinding.BindInput(unet.InputNames[1], buffers.Timestep);
        unetBinding.BindInput(unet.InputNames[2], buffers.EncoderHiddenStates);
        unetBinding.BindInput(unet.InputNames[3], buffers.AddedTimeIds);
        unetBinding.BindOutput(unet.OutputNameInGraph, buffers.NoisePred);

        using var stepBinding = glue.Step.CreateIoBinding();
        OrtValue current = buffers.LatentsA, next = buffers.LatentsB;
        for (var i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            RunUNet(unetBinding, captured, ct);

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
            stepBinding.BindInput(DenoisingGraphs.NoisePredIn, buffers.NoisePred);
            stepBinding.BindInput(DenoisingGraphs.LatentsIn, current);
            stepBinding.BindInput(DenoisingGraphs.ImageBlockIn, buffers.ImageBlock);
            if (shape.Guidance) stepBinding.BindInput(DenoisingGraphs.GuidanceIn, guidanceHost);
            stepBinding.BindInput(DenoisingGraphs.CoefficientsIn, coefficientsHost);
            stepBinding.BindOutput(DenoisingGraphs.LatentsOut, last ? latentsHost : next);
            stepBinding.BindOutput(DenoisingGraphs.SampleOut, buffers.Sample);
            stepBinding.BindOutput(DenoisingGraphs.TimestepOut, buffers.Timestep);
            if (previewHost is not null) stepBinding.BindOutput(DenoisingGraphs.PreviewOut, previewHost);
            glue.Step.Run(stepBinding, ct);
            if (last || previewHost is not null) stepBinding.SynchronizeBoundOutputs();

            (current, next) = (next, current);
            stepDone(i, Stopwatch.GetElapsedTime(start), preview, []);
        }
    }

    /// <summary>
    /// The UNet as its captured graph when the shape has one, else a plain run. A graph that fails (to capture, or to
    /// replay) is logged once for the shape, which then runs without graphs: this step is run again plainly on the same
    /// buffers, which still hold its inputs, so the video is the one a run without graphs makes.
    /// </summary>
    private void RunUNet(OrtIoBinding unetBinding, CapturedShape? captured, CancellationToken ct)
    {
        if (captured is { Failed: false })
        {
            try
            {
                runner.Run(unet.Model, unetBinding, captured.GraphId, ct);
                return;
            }
            catch (OnnxRuntimeException ex) when (!ct.IsCancellationRequested)
            {
                if (graphs!.MarkFailed(captured))
                    CudaGraphLog.ShapeFailed(logger, captured.GraphId, captured.Shape.Describe(), CudaGraphLog.FirstLine(ex.Message));
            }
        }
        runner.Run(unet.Model, unetBinding, null, ct);
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
