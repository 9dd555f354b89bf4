using System.Globalization;
using System.Text;
using SvdWeb.Inference.Sweeps;

namespace SvdWeb.Inference.Video;

/// <summary>
/// A sweep's cells side by side in one MP4: columns × rows of the cells' frames, frame k of every cell in frame k of
/// the grid (cells are aligned frame by frame, so an fps axis compares the same moment of each clip), each cell's
/// label burnt into its top-left corner by ffmpeg's drawtext. H.264 with the gallery's own settings (<see cref="ShareEncoder"/>).
/// </summary>
public static class SweepGridVideo
{
    /// <summary>One cell's lossless RGB24 frames and where it goes.</summary>
    public sealed record CellFrames(int Row, int Column, string Label, IReadOnlyList<ReadOnlyMemory<byte>> Frames, int Width, int Height);

    /// <summary>The grid's size in pixels: the cells tile it with no border, so a cell's pixels are where a viewer expects them.</summary>
    public static (int Width, int Height) Size(int columns, int rows, int cellWidth, int cellHeight) => (columns * cellWidth, rows * cellHeight);

    /// <exception cref="ArgumentException">The cells differ in size, or a place is empty or taken twice.</exception>
    /// <exception cref="FfmpegException">ffmpeg is missing or failed.</exception>
    public static async Task WriteAsync(string path, IReadOnlyList<CellFrames> cells, int columns, int rows, double fps, CancellationToken ct,
        int crf = Mp4Encoder.DefaultCrf, RecipeStamp? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count != columns * rows || cells.Select(c => (c.Row, c.Column)).Distinct().Count() != cells.Count
            || cells.Any(c => c.Row < 0 || c.Row >= rows || c.Column < 0 || c.Column >= columns))
            throw new ArgumentException($"A {columns} × {rows} grid needs one cell in each place.", nameof(cells));
        var (w, h) = (cells[0].Width, cells[0].Height);
        if (cells.Any(c => c.Width != w || c.Height != h || c.Frames.Count == 0))
            throw new ArgumentException("Every cell of a grid must have frames of the same size.", nameof(cells));
        var (width, height) = Size(columns, rows, w, h);
        var frameCount = cells.Max(c => c.Frames.Count);
        var frames = new List<ReadOnlyMemory<byte>>(frameCount);
        for (var k = 0; k < frameCount; k++) frames.Add(Compose(cells, k, width, height, w, h));
        await ShareEncoder.WriteAsync(path, frames, width, height, fps, ShareFormat.Mp4, LoopMode.Forward, ct, crf, recipe: recipe, overlay: Labels(cells, w, h))
            .ConfigureAwait(false);
    }

    /// <summary>Frame <paramref name="k"/> of every cell in its place; a shorter cell holds its last frame.</summary>
    private static byte[] Compose(IReadOnlyList<CellFrames> cells, int k, int width, int height, int w, int h)
    {
        var grid = new byte[width * height * 3];
        foreach (var cell in cells)
        {
            var source = cell.Frames[Math.Min(k, cell.Frames.Count - 1)].Span;
            for (var y = 0; y < h; y++)
                source.Slice(y * w * 3, w * 3).CopyTo(grid.AsSpan((((cell.Row * h) + y) * width + cell.Column * w) * 3, w * 3));
        }
        return grid;
    }

    /// <summary>One drawtext per cell: white on a dark box in the corner, sized to the cell so a 64-pixel-high cell stays readable.</summary>
    internal static string Labels(IReadOnlyList<CellFrames> cells, int w, int h)
    {
        var size = Math.Max(9, Math.Min(h / 12, 28));
        var margin = Math.Max(2, size / 3);
        return string.Join(',', cells.Select(c => string.Create(CultureInfo.InvariantCulture,
            $"drawtext=text='{Escape(c.Label)}':x={c.Column * w + margin}:y={c.Row * h + margin}:fontsize={size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={margin}")));
    }

    /// <summary>Labels are made from setting names and numbers; anything drawtext or the filter graph would read as syntax is dropped.</summary>
    private static string Escape(string label)
    {
        var text = new StringBuilder(label.Length);
        foreach (var ch in label)
            if (char.IsLetterOrDigit(ch) || ch is ' ' or '.' or '-' or '·') text.Append(ch);
        return text.ToString();
    }
}
