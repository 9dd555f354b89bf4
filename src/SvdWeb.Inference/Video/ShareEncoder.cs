using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;
using FFMpegCore.Pipes;

namespace SvdWeb.Inference.Video;

/// <summary>
/// Encodes a finished video's lossless RGB24 frames into one of the <see cref="ShareFormat"/>s, forward or ping-pong,
/// with ffmpeg. ffmpeg writes a temporary file beside the target, moved into place only when it succeeded, so a failed
/// or cancelled encode leaves nothing a download could find.
/// </summary>
public static class ShareEncoder
{
    /// <summary>The file extension (without the dot) of a format.</summary>
    public static string Extension(ShareFormat format) => format switch
    {
        ShareFormat.Mp4 => "mp4",
        ShareFormat.WebM => "webm",
        ShareFormat.Gif => "gif",
        ShareFormat.WebP => "webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The MIME type a format is served with.</summary>
    public static string ContentType(ShareFormat format) => format switch
    {
        ShareFormat.Mp4 => "video/mp4",
        ShareFormat.WebM => "video/webm",
        ShareFormat.Gif => "image/gif",
        ShareFormat.WebP => "image/webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>How the API and file names spell a loop mode: forward, pingpong.</summary>
    public static string LoopName(LoopMode loop) => loop == LoopMode.PingPong ? "pingpong" : "forward";

    /// <summary>
    /// The name a download is saved under, e.g. svdweb-{id}-0-pingpong-x2.webm: the same whether the API sends it or a
    /// page's download link asks for it.
    /// </summary>
    public static string DownloadName(Guid id, int index, ShareFormat format, LoopMode loop, int interpolation = 1) =>
        $"svdweb-{id:N}-{index}{(loop == LoopMode.PingPong ? "-pingpong" : "")}{(interpolation > 1 ? $"-x{interpolation}" : "")}.{Extension(format)}";

    /// <summary>The order frames play in: forward, or forward then back without repeating either end.</summary>
    public static IReadOnlyList<int> FrameOrder(int frames, LoopMode loop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var forward = Enumerable.Range(0, frames);
        // Fewer than three frames have no inner frames to play back: the ping-pong is the clip itself.
        return loop == LoopMode.PingPong && frames > 2 ? [.. forward, .. Enumerable.Range(1, frames - 2).Reverse()] : [.. forward];
    }

    /// <summary>The frame rates a video can be interpolated by (<see cref="WriteAsync"/>'s interpolation).</summary>
    public static IReadOnlyList<int> InterpolationFactors { get; } = [1, 2, 4];

    /// <summary>How many frames an interpolated clip of <paramref name="frames"/> played frames has: the motion-compensated
    /// filter makes <paramref name="factor"/> frames per input frame at <paramref name="factor"/> times the rate, so the
    /// clip keeps its length in seconds.</summary>
    public static int InterpolatedFrames(int frames, int factor) => frames * factor;

    /// <param name="interpolation">1 (the frames as they are), 2 or 4: that many times the frames and the frame rate,
    /// the new ones made by ffmpeg's motion-compensated interpolation (minterpolate), for smoother motion at the same
    /// speed. Applied after the loop, so a ping-pong turns smoothly too.</param>
    /// <param name="recipe">Written into the file (<see cref="RecipeEmbedding"/>: a tag, a GIF comment or WebP XMP).</param>
    /// <param name="overlay">An ffmpeg filter drawn onto every frame after any interpolation (a sweep grid's labels), or null.</param>
    /// <exception cref="FfmpegException">ffmpeg is missing or failed; the message names the cause and the fix.</exception>
    public static async Task WriteAsync(string path, IReadOnlyList<ReadOnlyMemory<byte>> framesRgb24, int width, int height, double fps,
        ShareFormat format, LoopMode loop, CancellationToken ct, int crf = Mp4Encoder.DefaultCrf, int interpolation = 1, RecipeStamp? recipe = null,
        string? overlay = null)
    {
        if (!InterpolationFactors.Contains(interpolation))
            throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Interpolation is 1, 2 or 4.");
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(framesRgb24);
        if (framesRgb24.Count == 0) throw new ArgumentException("A video needs at least one frame.", nameof(framesRgb24));
        if (format is ShareFormat.Mp4 or ShareFormat.WebM && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"yuv420p needs even sides; the frames are {width}x{height}.", nameof(width));
        var ffmpeg = FfmpegTool.RequireFolder();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp.{Extension(format)}");
        var order = FrameOrder(framesRgb24.Count, loop);
        var frames = order.Select(i => (IVideoFrame)new Rgb24Frame(framesRgb24[i], width, height));
        var errors = new Queue<string>();
        try
        {
            await FFMpegArguments
                .FromPipeInput(new RawVideoPipeSource(frames) { FrameRate = fps })
                .OutputToFile(temporary, overwrite: true, options =>
                {
                    Encode(options, format, fps * interpolation, crf, string.Join(',', new[] { Interpolate(fps, interpolation), overlay }.OfType<string>()) is { Length: > 0 } filter ? filter : null);
                    if (recipe is not null && format is ShareFormat.Mp4 or ShareFormat.WebM) options.WithCustomArgument(RecipeEmbedding.FfmpegMetadata(recipe));
                    if (interpolation > 1) options.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-frames:v {InterpolatedFrames(order.Count, interpolation)}"));
                })
                .NotifyOnStandardError(line =>
                {
                    lock (errors)
                    {
                        errors.Enqueue(line);
                        if (errors.Count > 40) errors.Dequeue();
                    }
                })
                .CancellableThrough(ct)
                .ProcessAsynchronously(true, new FFOptions { BinaryFolder = ffmpeg })
                .ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (recipe is not null && format is ShareFormat.Gif or ShareFormat.WebP) await AddRecipeAsync(temporary, format, recipe, ct).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is FFMpegException or IOException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            string tail;
            lock (errors) tail = string.Join(Environment.NewLine, errors.TakeLast(10));
            throw new FfmpegException(Mp4Encoder.DescribeFailure(ex, tail, path), tail, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("The video encode was cancelled.", ex, ct);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>ffmpeg writes no GIF comment and no WebP metadata: the recipe goes into its file as one more block.</summary>
    private static async Task AddRecipeAsync(string path, ShareFormat format, RecipeStamp recipe, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        var stamped = format == ShareFormat.Gif ? RecipeEmbedding.AddGifComment(bytes, recipe) : RecipeEmbedding.AddWebpXmp(bytes, recipe);
        await File.WriteAllBytesAsync(path, stamped, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The filter that makes the in-between frames, or null: motion-compensated interpolation (mci) with overlapped block
    /// motion compensation and variable-size blocks, which keeps edges where blending frames would ghost them. Scene-change
    /// detection is off: a generated clip has one scene, and a large motion must not fall back to duplicated frames.
    /// </summary>
    /// <remarks>minterpolate looks ahead past the frame it makes and, at the end of the input, drops the last in-betweens
    /// (6 frames ×2 gave 9, not 12): the last frame is held for three more (tpad) and the output cut at frames × factor.</remarks>
    private static string? Interpolate(double fps, int interpolation) => interpolation == 1 ? null
        : string.Create(CultureInfo.InvariantCulture, $"tpad=stop_mode=clone:stop=3,minterpolate=fps={fps * interpolation}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1:scd=none");

    private static void Encode(FFMpegOutputOptions options, ShareFormat format, double fps, int crf, string? filter)
    {
        var rate = fps.ToString(CultureInfo.InvariantCulture);
        // GIF's filter graph takes the interpolation and any overlay as its first link; the others get a plain -vf.
        var videoFilter = filter is null ? "" : $"-vf \"{filter}\" ";
        var gifInput = filter is null ? "[0:v]" : $"[0:v]{filter},";
        switch (format)
        {
            case ShareFormat.Mp4:
                // The gallery's own MP4 settings (Mp4Encoder), so a ping-pong MP4 matches the forward one.
                options.WithVideoCodec("libx264").WithCustomArgument(videoFilter + Mp4Encoder.X264Arguments(crf, fps)).WithFastStart();
                break;
            case ShareFormat.WebM:
                // Constant quality (-b:v 0 with -crf), row-parallel; VP9's crf scale is 0–63, 24 is visually close to x264's 17.
                options.WithVideoCodec("libvpx-vp9")
                    .WithCustomArgument($"{videoFilter}-pix_fmt yuv420p -b:v 0 -crf 24 -row-mt 1 -deadline good -cpu-used 2 -r {rate}");
                break;
            case ShareFormat.Gif:
                // One palette for the whole clip (from the frames' changes), then dithering into it: far fewer bands than
                // the default web palette. -loop 0 loops forever.
                options.WithCustomArgument($"-filter_complex \"{gifInput}split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=sierra2_4a\" -loop 0 -r {rate}");
                break;
            case ShareFormat.WebP:
                options.WithVideoCodec("libwebp_anim")
                    .WithCustomArgument($"{videoFilter}-lossless 0 -quality 90 -compression_level 4 -loop 0 -r {rate}");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }
}
