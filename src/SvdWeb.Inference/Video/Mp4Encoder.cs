using System.Collections.Concurrent;
using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;
using FFMpegCore.Pipes;
using SvdWeb.Inference.Files;

namespace SvdWeb.Inference.Video;

/// <summary>
/// An MP4 being encoded while its frames are still being made: ffmpeg starts at once and takes each RGB24 frame as it
/// is <see cref="Add"/>ed (the pipeline hands them over chunk by chunk as the VAE decodes), so encoding overlaps the
/// decode of the next chunk instead of following the whole run. H.264 (libx264), yuv420p, moov atom first
/// (+faststart), at the given fps. ffmpeg writes a temporary file beside the target that
/// <see cref="CompleteAsync"/> moves into place only when ffmpeg succeeded; disposing without completing (a failed or
/// cancelled run) stops ffmpeg and deletes it, so no half video is ever where the gallery would find it.
/// </summary>
public sealed class Mp4Encoder : IAsyncDisposable
{
    private readonly BlockingCollection<IVideoFrame> _frames = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _callerCancellation;
    private readonly List<string> _errors = [];
    private readonly string _path;
    private readonly string _temporary;
    private readonly int _width, _height;
    private readonly Task _encoding;
    private bool _completed;
    private bool _addedAny;

    private Mp4Encoder(string path, int width, int height, double fps, int crf, RecipeStamp? recipe, string ffmpegFolder, CancellationToken ct)
    {
        _path = path;
        _width = width;
        _height = height;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        _temporary = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}.tmp.mp4");
        // Not a linked source: the caller's Cancel would run FFMpegCore's stop callback on the caller's thread and get
        // its errors (see Stop).
        _callerCancellation = ct.UnsafeRegister(static state => ((Mp4Encoder)state!).Stop(), this);
        // On a worker: FFMpegCore reads the first frame to build ffmpeg's arguments, and the frames come later.
        _encoding = Task.Run(() => FFMpegArguments
            .FromPipeInput(new RawVideoPipeSource(_frames.GetConsumingEnumerable(_stop.Token)) { FrameRate = fps })
            .OutputToFile(_temporary, overwrite: true, options => options
                .WithVideoCodec("libx264")
                .WithCustomArgument(X264Arguments(crf, fps) + (recipe is null ? "" : " " + RecipeEmbedding.FfmpegMetadata(recipe)))
                .WithFastStart())
            .NotifyOnStandardError(line =>
            {
                lock (_errors)
                {
                    _errors.Add(line);
                    if (_errors.Count > 40) _errors.RemoveAt(0);
                }
            })
            .CancellableThrough(_stop.Token)
            .ProcessAsynchronously(true, new FFOptions { BinaryFolder = ffmpegFolder }), CancellationToken.None);
    }

    /// <summary>x264's constant rate factor when none is given: visually lossless for these clips.</summary>
    public const int DefaultCrf = 17;

    /// <summary>The gallery's H.264 settings, shared by every MP4 SvdWeb writes so a derived MP4 matches the stored one.</summary>
    internal static string X264Arguments(int crf, double fps) =>
        string.Create(CultureInfo.InvariantCulture, $"-pix_fmt yuv420p -preset medium -crf {crf} -r {fps}");

    /// <param name="crf">x264 constant rate factor: 0 lossless … 51 worst; 17 is visually lossless for these clips.</param>
    /// <param name="recipe">Written into the file's "comment" tag (ffprobe shows it), so the file says how it was made.</param>
    /// <exception cref="FfmpegException">ffmpeg is not installed (the message says how to install it).</exception>
    public static Mp4Encoder Start(string path, int width, int height, double fps, CancellationToken ct, int crf = DefaultCrf, RecipeStamp? recipe = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width % 2 != 0 || height % 2 != 0)
            throw new ArgumentException($"yuv420p needs even sides; the frames are {width}x{height}.", nameof(width));
        return new Mp4Encoder(path, width, height, fps, crf, recipe, FfmpegTool.RequireFolder(), ct);
    }

    /// <summary>Frames added that ffmpeg has not taken yet: 0 once it has every frame so far (each is piped as it is taken).</summary>
    public int PendingFrames => _frames.Count;

    /// <summary>Queues one [height, width, 3] RGB24 frame; the memory must stay unchanged until the encoder completes.</summary>
    public void Add(ReadOnlyMemory<byte> frameRgb24)
    {
        if (frameRgb24.Length != _width * _height * 3)
            throw new ArgumentException($"A {_width}x{_height} RGB24 frame has {_width * _height * 3} bytes, not {frameRgb24.Length}.", nameof(frameRgb24));
        // After ffmpeg stopped early (e.g. the disk filled up) nobody takes frames; CompleteAsync reports why.
        if (!_frames.IsAddingCompleted)
            _frames.Add(new Rgb24Frame(frameRgb24, _width, _height));
        _addedAny = true;
    }

    /// <summary>Waits for ffmpeg to encode every added frame, then moves the file into place.</summary>
    /// <exception cref="FfmpegException">ffmpeg failed; the message names the cause (e.g. a full disk) and the file.</exception>
    public async Task CompleteAsync()
    {
        if (!_addedAny) throw new InvalidOperationException("No frames were added: there is no video to encode.");
        _frames.CompleteAdding();
        try
        {
            await _encoding.ConfigureAwait(false);
            _stop.Token.ThrowIfCancellationRequested();
            File.Move(_temporary, _path, overwrite: true);
            _completed = true;
        }
        catch (Exception ex) when (ex is FFMpegException or IOException or InvalidOperationException && !_stop.IsCancellationRequested)
        {
            string tail;
            lock (_errors) tail = string.Join(Environment.NewLine, _errors.TakeLast(10));
            throw new FfmpegException(DescribeFailure(ex, tail, _path), tail, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _stop.IsCancellationRequested)
        {
            // ffmpeg killed by the cancellation surfaces as its own failure; the caller asked to stop.
            throw new OperationCanceledException("The video encode was cancelled.", ex, _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _frames.CompleteAdding();
            Stop();
            try
            {
                await _encoding.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or FFMpegException or IOException or InvalidOperationException)
            {
                // Abandoned on purpose: the run failed or was cancelled, and that error is the one to report.
            }
        }
        if (File.Exists(_temporary)) File.Delete(_temporary);
        await _callerCancellation.DisposeAsync().ConfigureAwait(false);
        _frames.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Stops ffmpeg. FFMpegCore stops it by writing "q" to its stdin, which throws when ffmpeg has exited meanwhile (the
    /// pipe is broken: a race between the last frame and a cancel). Stopping is all that is wanted then, and neither a
    /// cancelling caller nor an abandoning one should receive that error.
    /// </summary>
    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is IOException or InvalidOperationException))
        {
            // ffmpeg had already exited.
        }
    }

    internal static string DescribeFailure(Exception ex, string stderrTail, string path)
    {
        if (stderrTail.Contains(DiskFull.LinuxMessage, StringComparison.Ordinal) || (ex is IOException io && DiskFull.Is(io)))
            return $"The disk is full: ffmpeg could not write {path}. Free space in that folder (or point the data folder elsewhere) and run the job again.";
        var last = stderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
        return $"ffmpeg failed to encode {path}: {last ?? ex.Message}";
    }
}
