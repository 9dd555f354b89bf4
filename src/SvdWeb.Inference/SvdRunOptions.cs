namespace SvdWeb.Inference;

/// <summary>Optional observers of one run.</summary>
/// <param name="Progress">Receives stage, step and time reports, synchronously on the pipeline's thread.</param>
/// <param name="Previews">Attach a latent preview picture to each denoising step report (costs well under 1 ms a step).</param>
/// <param name="Observer">Receives every named intermediate tensor, for comparing a run stage by stage with diffusers.</param>
/// <param name="FrameReady">Receives each finished frame (video index, frame index, [H, W, 3] RGB24 that stays valid and
/// unchanged) as soon as its decode chunk is done, in order, on the pipeline's thread: hand it to an
/// <see cref="Video.Mp4Encoder"/> and the video encodes while the next chunk decodes.</param>
public sealed record SvdRunOptions(
    IProgress<SvdProgress>? Progress = null,
    bool Previews = false,
    TensorObserver? Observer = null,
    Action<int, int, ReadOnlyMemory<byte>>? FrameReady = null);
