namespace SvdWeb.Inference.Video;

/// <summary>
/// One <see cref="Mp4Encoder"/> per video of a run, started together before inference (so a missing ffmpeg fails the
/// request before any model time) and fed through <see cref="SvdRunOptions.FrameReady"/>. Disposing abandons every
/// encoder not completed, leaving no file behind.
/// </summary>
public sealed class VideoEncoders : IAsyncDisposable
{
    private readonly List<Mp4Encoder> _encoders;

    private VideoEncoders(List<Mp4Encoder> encoders) => _encoders = encoders;

    /// <param name="paths">The MP4 of each video, in the run's video order.</param>
    /// <param name="recipe">Written into every MP4's "comment" tag.</param>
    /// <exception cref="FfmpegException">ffmpeg is not installed; no encoder is left running.</exception>
    public static async Task<VideoEncoders> StartAsync(IReadOnlyList<string> paths, int width, int height, double fps, CancellationToken ct, int crf = Mp4Encoder.DefaultCrf, RecipeStamp? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var encoders = new List<Mp4Encoder>(paths.Count);
        try
        {
            foreach (var path in paths)
                encoders.Add(Mp4Encoder.Start(path, width, height, fps, ct, crf, recipe));
            return new VideoEncoders(encoders);
        }
        catch
        {
            foreach (var started in encoders)
                await started.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The <see cref="SvdRunOptions.FrameReady"/> callback: queues the frame on its video's encoder.</summary>
    public void Add(int video, int frame, ReadOnlyMemory<byte> frameRgb24) => _encoders[video].Add(frameRgb24);

    /// <summary>Waits for video <paramref name="video"/>'s encode and moves its file into place.</summary>
    public Task CompleteAsync(int video) => _encoders[video].CompleteAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var encoder in _encoders)
            await encoder.DisposeAsync().ConfigureAwait(false);
    }
}
