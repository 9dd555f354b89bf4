using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference;

/// <summary>One progress report.</summary>
/// <param name="Stage">What is running.</param>
/// <param name="Step">Steps (or decode chunks) of the stage done: 0 when it starts, n after the last.
/// <see cref="Counter"/> turns it into the 1-based count people read.</param>
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
    RgbImage? Preview = null)
{
    /// <summary>
    /// "step 3/25" or "chunk 2/3": the step or chunk running now, counted from 1, so that every stage reads 1/n … n/n
    /// (<see cref="Step"/> counts those done, 0 when the stage starts: shown as is, the decoder read "0/3 … 2/3"
    /// because its last report, 3/3, is replaced at once by the next stage's). Null for stages of one call.
    /// </summary>
    public static string? Counter(SvdStage stage, int done, int total)
    {
        if (total < 1) return null;
        var running = Math.Clamp(done + 1, 1, total);
        return stage switch
        {
            SvdStage.Denoising => $"step {running}/{total}",
            SvdStage.Decoding => $"chunk {running}/{total}",
            _ => null,
        };
    }
}
