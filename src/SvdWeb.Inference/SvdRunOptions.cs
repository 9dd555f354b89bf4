namespace SvdWeb.Inference;

/// <summary>Optional observers of one run.</summary>
/// <param name="Progress">Receives stage, step and time reports, synchronously on the pipeline's thread.</param>
/// <param name="Previews">Attach a latent preview picture to each denoising step report (costs well under 1 ms a step).</param>
/// <param name="Observer">Receives every named intermediate tensor, for comparing a run stage by stage with diffusers.</param>
public sealed record SvdRunOptions(IProgress<SvdProgress>? Progress = null, bool Previews = false, TensorObserver? Observer = null);
