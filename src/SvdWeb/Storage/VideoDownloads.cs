using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using SvdWeb.Inference.Files;
using SvdWeb.Inference.Video;
using SvdWeb.Options;

namespace SvdWeb.Storage;

/// <summary>
/// A generation's video in another format or frame order, made on first request from its stored lossless PNG frames
/// (never by running the model again) and kept beside them in its media folder, so deleting the item deletes it too.
/// Requests for the same file while it is being made wait for that one encode. ffmpeg writes to a temporary name
/// that is moved into place only when it succeeded, so a failed or interrupted encode leaves no file to serve.
/// </summary>
public sealed partial class VideoDownloads(MediaStore media, IOptions<SvdWebOptions> options, IHostApplicationLifetime lifetime, ILogger<VideoDownloads> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _encoding = new(StringComparer.Ordinal);
    private int _encodes;

    /// <summary>How many encodes have started since the app did (tests check concurrent requests share one).</summary>
    internal int EncodesStarted => Volatile.Read(ref _encodes);

    /// <summary>The cached file's name: the run's own MP4 for mp4/forward, else e.g. video_0.pingpong.webm.</summary>
    public static string FileName(int index, VideoFormat format, VideoLoop loop) =>
        format == VideoFormat.Mp4 && loop == VideoLoop.Forward
            ? MediaStore.VideoFile(index)
            : $"video_{index}.{VideoFormats.Name(loop)}.{VideoFormats.Extension(format)}";

    /// <summary>The path of the file, made now when it does not exist yet.</summary>
    /// <exception cref="FileNotFoundException">The item's frames are not in the data folder (nothing to make it from).</exception>
    /// <exception cref="FfmpegException">ffmpeg is missing or failed; no file is left behind.</exception>
    public async Task<string> GetAsync(string mediaFolder, int index, int fps, VideoFormat format, VideoLoop loop, CancellationToken ct)
    {
        var file = FileName(index, format, loop);
        var path = media.PathOf(mediaFolder, file);
        if (File.Exists(path)) return path;
        if (format == VideoFormat.Mp4 && loop == VideoLoop.Forward) throw new FileNotFoundException("The item's MP4 is missing.", path);
        var key = $"{mediaFolder}/{file}";
        // One encode per file however many ask; it is not tied to any one request, so a caller who goes away does
        // not fail the others (only the app stopping ends it).
        var encode = _encoding.GetOrAdd(key, _ => new Lazy<Task<string>>(() => EncodeAsync(key, mediaFolder, index, fps, format, loop, path, lifetime.ApplicationStopping)));
        return await encode.Value.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<string> EncodeAsync(string key, string mediaFolder, int index, int fps, VideoFormat format, VideoLoop loop, string path, CancellationToken ct)
    {
        // Off the caller's thread, so the entry is in the dictionary before this can remove it.
        await Task.Yield();
        try
        {
            return await EncodeOnceAsync(mediaFolder, index, fps, format, loop, path, ct).ConfigureAwait(false);
        }
        finally
        {
            // Once it ended the file on disk is the cache, and a failure is tried afresh by the next request.
            _encoding.TryRemove(key, out _);
        }
    }

    private async Task<string> EncodeOnceAsync(string mediaFolder, int index, int fps, VideoFormat format, VideoLoop loop, string path, CancellationToken ct)
    {
        Interlocked.Increment(ref _encodes);
        var zipPath = media.PathOf(mediaFolder, MediaStore.FramesZipFile(index));
        if (!File.Exists(zipPath)) throw new FileNotFoundException("The item's PNG frames are missing.", zipPath);
        var folder = FfmpegTool.RequireFolder();
        var started = Stopwatch.GetTimestamp();
        // ffmpeg picks nothing from the name (the muxer is given), but the temporary name follows MediaStore's rule so
        // startup recovery removes one left by a crash.
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}{MediaStore.TempSuffix}");
        try
        {
            var frames = await RunFfmpegAsync(folder, zipPath, fps, format, loop, temporary, Path.GetFileName(path), ct).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
            Log.Made(logger, Path.GetFileName(path), mediaFolder, frames, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return path;
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Pipes the PNGs in the loop's order into ffmpeg (image2pipe), so no frame is unpacked to disk; returns how many.</summary>
    private async Task<int> RunFfmpegAsync(string folder, string zipPath, int fps, VideoFormat format, VideoLoop loop, string output, string target, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path.Combine(folder, "ffmpeg"))
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var fpsText = fps.ToString(CultureInfo.InvariantCulture);
        foreach (var arg in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-xerror", "-y", "-f", "image2pipe", "-c:v", "png", "-framerate", fpsText, "-i", "pipe:0"])
            start.ArgumentList.Add(arg);
        foreach (var arg in EncoderArguments(format, options.Value.VideoCrf))
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add(output);

        using var process = Process.Start(start) ?? throw new FfmpegException($"ffmpeg in {folder} could not be started. {FfmpegException.InstallHint}");
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var count = 0;
        try
        {
            using (var zip = ZipFile.OpenRead(zipPath))
            {
                var entries = zip.Entries.Where(e => e.Name.EndsWith(".png", StringComparison.Ordinal)).OrderBy(e => e.Name, StringComparer.Ordinal).ToArray();
                if (entries.Length == 0) throw new FfmpegException($"{zipPath} holds no PNG frames.");
                var input = process.StandardInput.BaseStream;
                foreach (var f in VideoFormats.FrameOrder(entries.Length, loop))
                {
                    await using var png = entries[f].Open();
                    await png.CopyToAsync(input, ct).ConfigureAwait(false);
                    count++;
                }
                await input.FlushAsync(ct).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            var tail = await stderr.ConfigureAwait(false);
            if (ex is OperationCanceledException) throw;
            throw new FfmpegException(Describe(target, tail, ex), tail, ex);
        }
        await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new FfmpegException(Describe(target, errors, null), errors);
        return count;
    }

    /// <summary>
    /// What each format is encoded with. GIF gets a palette computed from the clip itself (palettegen, then paletteuse
    /// with light dithering), the usual way to avoid banding. GIF and WebP loop for ever (WebP's muxer would play once).
    /// </summary>
    internal static IReadOnlyList<string> EncoderArguments(VideoFormat format, int crf) => format switch
    {
        VideoFormat.Mp4 => ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "medium", "-crf", crf.ToString(CultureInfo.InvariantCulture), "-movflags", "+faststart", "-f", "mp4"],
        VideoFormat.Webm => ["-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-b:v", "0", "-crf", "24", "-deadline", "good", "-cpu-used", "4", "-row-mt", "1", "-f", "webm"],
        VideoFormat.Gif => ["-filter_complex", "[0:v]split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=sierra2_4a", "-loop", "0", "-f", "gif"],
        VideoFormat.Webp => ["-c:v", "libwebp_anim", "-lossless", "0", "-quality", "90", "-loop", "0", "-f", "webp"],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    private static string Describe(string target, string stderr, Exception? ex)
    {
        if (stderr.Contains(DiskFull.LinuxMessage, StringComparison.Ordinal) || (ex is IOException io && DiskFull.Is(io)))
            return $"The disk is full: ffmpeg could not write {target}. Free space in the data folder and download it again.";
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
        return $"ffmpeg failed to make {target}: {last ?? ex?.Message ?? "unknown error"}";
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Made {File} for media folder {Folder} from its PNG frames ({Frames} frames) in {Seconds:F1} s.")]
        public static partial void Made(ILogger logger, string file, string folder, int frames, double seconds);
    }
}
