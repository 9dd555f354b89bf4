using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference;

/// <summary>One progress report.</summary>
/// <param name="Stage">What is running.</param>
/// <param name="Step">1-based step within the stage (denoising step k, decode chunk j); 0 when the stage starts.</param>
/// <param name="TotalSteps">Steps in the stage (n denoising steps, m decode chunks; 1 for single-call stages).</param>
/// <param name="Fraction">Overall completion in [0, 1], weighted by measured stage costs; never decreases within a run.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Estimate of the time left; null until a denoising step has been timed.</param>
/// <param name="Preview">When asked for: a cheap linear latent-to-RGB picture of the current denoised estimate (first
/// frame of the first video, latent resolution).</param>
public sealed record SvdProgress(
    SvdStage Stage,
    int Step,
    int TotalSteps,
    double Fraction,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    RgbImage? Preview = null);
