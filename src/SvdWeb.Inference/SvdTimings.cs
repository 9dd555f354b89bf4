namespace SvdWeb.Inference;

/// <summary>Wall time per stage of a run; per-call lists for the UNet steps and decode chunks.</summary>
public sealed record SvdTimings(
    TimeSpan Preprocess,
    TimeSpan ImageEncoder,
    TimeSpan VaeEncoder,
    IReadOnlyList<TimeSpan> UNetSteps,
    IReadOnlyList<TimeSpan> DecodeChunks,
    TimeSpan Total)
{
    /// <summary>Time inside ONNX Runtime calls; the rest is the pipeline's own work.</summary>
    public TimeSpan InOnnxRuntime { get; init; }
}
