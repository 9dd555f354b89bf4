using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SvdWeb.Gallery;
using SvdWeb.Inference.Video;
using SvdWeb.Options;

namespace SvdWeb.Storage;

/// <summary>
/// A finished sweep's side-by-side MP4 (<see cref="SweepGridVideo"/>), made from its cells' lossless frames on the first
/// request and kept in the first cell's media folder, so it goes when that cell goes; like <see cref="ShareVideoCache"/>,
/// requests during the encode wait for that one encode, which the first requester leaving does not cancel.
/// </summary>
public sealed class SweepGridCache(MediaStore media, IOptions<SvdWebOptions> options)
{
    public const string GridFile = "sweep_grid.mp4";

    private readonly ConcurrentDictionary<string, Lazy<Task>> _encoding = new(StringComparer.Ordinal);

    /// <summary>The name a download of the grid is saved under.</summary>
    public static string DownloadName(Guid sweepId) => $"svdweb-sweep-{sweepId:N}.mp4";

    /// <param name="cells">Every cell of the sweep, each succeeded, in grid order.</param>
    /// <exception cref="FileNotFoundException">A cell's frames are missing from the data folder or damaged.</exception>
    /// <exception cref="FfmpegException">ffmpeg is missing or failed.</exception>
    public async Task<string> GetAsync(Sweep sweep, IReadOnlyList<Job> cells, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(cells);
        var path = media.PathOf(cells[0].MediaFolder, GridFile);
        if (File.Exists(path)) return path;
        var encoding = _encoding.GetOrAdd(path, _ => new Lazy<Task>(() => EncodeAsync(sweep, cells, path)));
        try
        {
            await encoding.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (encoding.Value.IsCompleted) _encoding.TryRemove(new KeyValuePair<string, Lazy<Task>>(path, encoding));
        }
        return path;
    }

    private async Task EncodeAsync(Sweep sweep, IReadOnlyList<Job> cells, string path)
    {
        var labels = sweep.Plan().Cells.ToDictionary(c => (c.Row, c.Column), c => c.Label);
        var frames = new List<SweepGridVideo.CellFrames>(cells.Count);
        foreach (var cell in cells)
        {
            var (pixels, width, height) = await ShareVideoCache.ReadFramesAsync(media.PathOf(cell.MediaFolder, MediaStore.FramesZipFile(0))).ConfigureAwait(false);
            var place = (cell.SweepRow ?? 0, cell.SweepColumn ?? 0);
            frames.Add(new SweepGridVideo.CellFrames(place.Item1, place.Item2, labels.GetValueOrDefault(place, ""), pixels, width, height));
        }
        // Frame by frame at the first cell's rate: with fps varied, the same frame of each clip is side by side.
        await SweepGridVideo.WriteAsync(path, frames, sweep.ColumnCount, sweep.RowCount, cells[0].Recipe.Fps, CancellationToken.None, options.Value.VideoCrf)
            .ConfigureAwait(false);
    }
}
