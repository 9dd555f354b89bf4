using SvdWeb.Inference.Models;
using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// Step 9 of <c>__call__</c>, diffusers' <c>for i, t in enumerate(timesteps)</c> (Inference README §4.9): scale the
/// latents into the UNet's sample, predict, guide, step. Two implementations give the same bits
/// (DeviceResidentLoopTests): <see cref="DeviceDenoisingLoop"/>, which production runs, keeps the latents on the
/// UNet's device; <see cref="HostDenoisingLoop"/> does the glue on the host and is the only one that can hand every
/// per-step tensor to an observer. The pipeline chooses between them in one place.
/// </summary>
internal interface IDenoisingLoop
{
    /// <param name="unetRun">The run's UNet tensors: encoder_hidden_states and added_time_ids written (steps 3 and 5),
    /// and channels C..2C−1 of sample holding the image latents (step 4).</param>
    /// <param name="latents">In: the initial latents [V,F,C,h,w] (times init_noise_sigma, in the pack dtype).
    /// Out: the final latents.</param>
    /// <param name="imageBlock">[Bu,F,C,h,w]: those same image-latent channels, split out of sample.</param>
    /// <param name="guidanceScale">[F], in the pack dtype; unused without guidance.</param>
    void Run(UNet.Run unetRun, float[] latents, float[] imageBlock, float[] guidanceScale,
        EulerDiscreteScheduler scheduler, DenoisingStepDone stepDone, CancellationToken ct);

    /// <summary>Time spent in ONNX Runtime outside the UNet during the last run (the glue graphs).</summary>
    TimeSpan GlueTimeInRuns { get; }
}

/// <summary>Called after each step with its index, its time, (with previews) the first frame's x0 [C,h,w] from the
/// scheduler's pred_original_sample, and the step's tensors when the loop reports them (else empty).</summary>
internal delegate void DenoisingStepDone(int stepIndex, TimeSpan elapsed, float[]? denoisedFirstFrame, IReadOnlyList<NamedTensor> tensors);
