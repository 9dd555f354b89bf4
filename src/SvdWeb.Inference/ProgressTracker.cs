using System.Diagnostics;
using SvdWeb.Inference.Imaging;

namespace SvdWeb.Inference;

/// <summary>
/// Turns stage events into <see cref="SvdProgress"/> reports with an overall fraction and a time-left estimate from
/// measured step times. Denoising dominates, so the estimate starts once one UNet step has been timed; decoding is
/// estimated from the decoder's measured share once a chunk has run, and as a fixed share of a step before that.
/// </summary>
internal sealed class ProgressTracker(IProgress<SvdProgress>? progress, int steps, int decodeChunks)
{
    // Share of the run before the first step, and after the last (decode); the rest is spread over the steps.
    private const double EncodeShare = 0.05, DecodeShare = 0.15;
    private readonly long _start = Stopwatch.GetTimestamp();
    private double _fraction;
    private TimeSpan _denoiseTime, _decodeTime;
    private int _stepsDone, _chunksDone;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    public void Stage(SvdStage stage) => Report(stage, 0, stage switch
    {
        SvdStage.Denoising => steps,
        SvdStage.Decoding => decodeChunks,
        _ => 1,
    }, stage == SvdStage.Done ? 1 : _fraction);

    public void StepDone(TimeSpan stepTime, RgbImage? preview)
    {
        _stepsDone++;
        _denoiseTime += stepTime;
        Report(SvdStage.Denoising, _stepsDone, steps, EncodeShare + (1 - EncodeShare - DecodeShare) * _stepsDone / steps, preview);
    }

    public void ChunkDone(TimeSpan chunkTime)
    {
        _chunksDone++;
        _decodeTime += chunkTime;
        Report(SvdStage.Decoding, _chunksDone, decodeChunks, 1 - DecodeShare * (decodeChunks - _chunksDone) / decodeChunks);
    }

    private TimeSpan? Remaining()
    {
        if (_stepsDone == 0) return null;
        var perStep = _denoiseTime / _stepsDone;
        // Before any chunk is timed, guess a chunk costs one step (the decoder is far smaller than the UNet but
        // runs on full-resolution activations).
        var perChunk = _chunksDone > 0 ? _decodeTime / _chunksDone : perStep;
        return perStep * (steps - _stepsDone) + perChunk * (decodeChunks - _chunksDone);
    }

    private void Report(SvdStage stage, int step, int total, double fraction, RgbImage? preview = null)
    {
        _fraction = Math.Max(_fraction, fraction);
        progress?.Report(new SvdProgress(stage, step, total, _fraction, Elapsed, stage == SvdStage.Done ? TimeSpan.Zero : Remaining(), preview));
    }
}
