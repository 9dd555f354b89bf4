using System.Diagnostics;
using System.Numerics.Tensors;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// Step 9 with the glue on the host (Inference README §4.9): each step the UNet's tensors are copied to the host, guided
/// with <see cref="Guidance"/> and stepped by <see cref="EulerDiscreteScheduler"/>, in diffusers' words. With
/// <paramref name="reportTensors"/> every step returns its tensors under the golden-file names.
/// </summary>
internal sealed class HostDenoisingLoop(DenoisingShape shape, bool reportTensors) : IDenoisingLoop
{
    public TimeSpan GlueTimeInRuns => TimeSpan.Zero;

    public void Run(UNet.Run unetRun, float[] latents, float[] imageBlock, float[] guidanceScale,
        EulerDiscreteScheduler scheduler, DenoisingStepDone stepDone, CancellationToken ct)
    {
        int videos = shape.Videos, unetBatch = shape.UNetBatch, frames = shape.Frames;
        var frameSize = shape.LatentChannels * shape.LatentHeight * shape.LatentWidth;
        var latentsLength = latents.Length;
        var scaled = new float[latentsLength];
        var guidanceScratch = new float[frameSize];
        var stepper = shape.IsHalf ? new HalfStepper(latentsLength) : null;
        // The scheduler's own pred_original_sample of the first frame, as the device loop's step graph outputs it.
        var denoisedFirstFrame = shape.Preview ? new float[frameSize] : [];
        var sample = unetRun.Sample.Values;
        var noisePred = unetRun.NoisePred.Values;
        int[] latentsShape = [videos, frames, shape.LatentChannels, shape.LatentHeight, shape.LatentWidth];
        int[] batchShape = [unetBatch, frames, shape.LatentChannels, shape.LatentHeight, shape.LatentWidth];
        for (var i = 0; i < scheduler.NumInferenceSteps; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            var t = scheduler.Timesteps[i];
            // latent_model_input = cat([latents] * 2) if guidance; scale_model_input; then concatenate image_latents on
            // channels: noisy latents in 0..C−1 of sample [Bu,F,2C,h,w], the image latents (already in C..2C−1) after.
            scheduler.ScaleModelInput(latents, i, scaled);
            if (shape.IsHalf) OrtTensor.RoundToHalfInPlace(scaled);
            for (var row = 0; row < unetBatch; row++)
            {
                for (var f = 0; f < frames; f++)
                {
                    scaled.AsSpan(((row % videos * frames) + f) * frameSize, frameSize)
                        .CopyTo(sample.AsSpan(((row * frames) + f) * 2 * frameSize, frameSize));
                }
            }

            // predict the noise residual: noise_pred [Bu,F,C,h,w]
            unetRun.Predict(t, ct);
            // Guidance overwrites the unconditional half, so the UNet's output is kept for the report first.
            var unetOut = reportTensors ? noisePred.ToArray() : null;

            // perform guidance: [uncond; cond] halves, per-frame scale → [V,F,C,h,w]
            var guided = noisePred.AsMemory(0, latentsLength);
            if (shape.Guidance)
                Guidance.ApplyInPlace(guided.Span, noisePred.AsSpan(latentsLength, latentsLength), guidanceScale, frameSize, guidanceScratch, shape.IsHalf);

            // compute the previous noisy sample x_t -> x_t-1
            if (stepper is not null)
                stepper.Step(scheduler, guided.Span, i, latents, denoisedFirstFrame);
            else
                scheduler.Step(guided.Span, i, latents, denoisedFirstFrame);

            var elapsed = Stopwatch.GetElapsedTime(start);
            NamedTensor[] tensors = unetOut is null ? [] :
            [
                new($"step{i}_timestep", new[] { t }, [1]),
                new($"step{i}_sigma", new[] { scheduler.Sigmas[i] }, [1]),
                new($"step{i}_scaled_latent_model_input", DenoisingShape.Channels(sample, unetBatch * frames, frameSize, imageLatents: false), batchShape),
                new($"step{i}_unet_sample", sample, [unetBatch, frames, 2 * shape.LatentChannels, shape.LatentHeight, shape.LatentWidth]),
                new($"step{i}_unet_out", unetOut, batchShape),
                new($"step{i}_guided_model_output", guided, latentsShape),
                new($"step{i}_latents_after_step", latents, latentsShape),
            ];
            stepDone(i, elapsed, shape.Preview ? denoisedFirstFrame : null, tensors);
        }
    }

    /// <summary>Euler steps for float16 packs: the scheduler's half-precision path needs half buffers.</summary>
    private sealed class HalfStepper(int length)
    {
        private readonly Half[] _latents = new Half[length], _modelOutput = new Half[length];

        public void Step(EulerDiscreteScheduler scheduler, ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> latents, Span<float> predOriginalSample)
        {
            TensorPrimitives.ConvertToHalf(modelOutput, _modelOutput);
            TensorPrimitives.ConvertToHalf(latents, _latents);
            scheduler.Step(_modelOutput, stepIndex, _latents, predOriginalSample);
            TensorPrimitives.ConvertToSingle(_latents, latents);
        }
    }
}
