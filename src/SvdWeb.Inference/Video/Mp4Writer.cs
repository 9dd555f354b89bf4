using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;
using FFMpegCore.Pipes;

namespace SvdWeb.Inference.Video;

/// <summary>
/// Encodes RGB24 frames to an MP4 that plays in every browser: H.264 (libx264), yuv420p, moov atom first
/// (+faststart, so playback starts before the download ends), at the recipe's fps. The file is written under a
/// temporary name beside the target and moved into place only when ffmpeg succeeded, so a crash or a full disk never
/// leaves a half video where the gallery would find it.
/// </summary>
public static class Mp4Writer
{
    /// <param name="crf">x264 constant rate factor: 0 lossless … 51 worst; 17 is visually lossless for these clips.</param>
    public static async Task WriteAsync(string path, IReadOnlyList<ReadOnlyMemory<byte>> framesRgb24, int width, int height, double fps, CancellationToken ct, int crf = 17)
    {
        ArgumentNullException.ThrowIfNull(framesRgb24);
        if (framesRgb24.Count == 0) throw new ArgumentException("No frames to encode.", nameof(framesRgb24));
        if (width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"yuv420p needs even sides; the frames are {width}x{height}.", nameof(width));
        var folder = FfmpegTool.RequireFolder();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp.mp4");
        var source = new RawVideoPipeSource(framesRgb24.Select(f => (IVideoFrame)new Rgb24Frame(f, width, height)))
        {
            FrameRate = fps,
        };
        var errors = new List<string>();
        try
        {
            await FFMpegArguments
                .FromPipeInput(source)
                .OutputToFile(temporary, overwrite: true, options => options
                    .WithVideoCodec("libx264")
                    .WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-pix_fmt yuv420p -preset medium -crf {crf} -r {fps}"))
                    .WithFastStart())
                .NotifyOnStandardError(line => { lock (errors) { errors.Add(line); if (errors.Count > 40) errors.RemoveAt(0); } })
                .CancellableThrough(ct)
                .ProcessAsynchronously(true, new FFOptions { BinaryFolder = folder })
                .ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is FFMpegException or IOException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            var tail = string.Join(Environment.NewLine, errors.TakeLast(10));
            throw new FfmpegException(DescribeFailure(ex, tail, path), tail, ex);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static string DescribeFailure(Exception ex, string stderrTail, string path)
    {
        if (stderrTail.Contains("No space left on device", StringComparison.Ordinal) || ex is IOException { HResult: 28 or unchecked((int)0x80070070) })
            return $"The disk is full: ffmpeg could not write {path}. Free space in that folder (or point the data folder elsewhere) and run the job again.";
        var last = stderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
        return $"ffmpeg failed to encode {path}: {last ?? ex.Message}";
    }
}
