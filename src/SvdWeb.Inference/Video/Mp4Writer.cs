namespace SvdWeb.Inference.Video;

/// <summary>
/// Encodes frames that all exist already to an MP4 (see <see cref="Mp4Encoder"/> for the format and the
/// write-then-move guarantee); a run that makes its frames chunk by chunk streams them into an encoder instead.
/// </summary>
public static class Mp4Writer
{
    /// <param name="crf">x264 constant rate factor: 0 lossless … 51 worst; 17 is visually lossless for these clips.</param>
    /// <param name="recipe">Written into the file's "comment" tag, as <see cref="Mp4Encoder.Start"/> does.</param>
    public static async Task WriteAsync(string path, IReadOnlyList<ReadOnlyMemory<byte>> framesRgb24, int width, int height, double fps, CancellationToken ct, int crf = Mp4Encoder.DefaultCrf, RecipeStamp? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(framesRgb24);
        if (framesRgb24.Count == 0) throw new ArgumentException("No frames to encode.", nameof(framesRgb24));
        var encoder = Mp4Encoder.Start(path, width, height, fps, ct, crf, recipe);
        await using (encoder.ConfigureAwait(false))
        {
            foreach (var frame in framesRgb24)
                encoder.Add(frame);
            await encoder.CompleteAsync().ConfigureAwait(false);
        }
    }
}
