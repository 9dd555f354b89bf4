using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Storage;

/// <summary>
/// The media files of every job, under DataFolder/media/{id}/ with names the app chooses (input.png,
/// video_0.mp4, frames_0.zip, thumb.png, preview.gif). Writes go to a temporary name in the same folder and are moved
/// into place, so a crash or a full disk never leaves a half file where the gallery would show it; temporary names
/// start with "." and contain ".tmp" so startup recovery can remove leftovers.
/// Each run of a job (an attempt) writes its outputs into its own attempt folder, {id}/attempt-N/, and only the
/// attempt that records the outcome moves them up into the job's folder (<see cref="PromoteAttempt"/>), so two
/// attempts on different hosts (a worker that stalled past its lease and the one that took the job over) never write
/// or delete each other's files. Readers only ever look in the job's folder, as galleries made before attempt
/// folders have it.
/// </summary>
public sealed class MediaStore
{
    public const string TempSuffix = ".tmp";

    public MediaStore(IOptions<SvdWebOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        DataFolder = SvdWebOptionsValidator.ResolvePath(environment, options.Value.DataFolder);
        MediaRoot = Path.Combine(DataFolder, "media");
        PrivateFiles.CreateFolder(DataFolder);
        PrivateFiles.CreateFolder(MediaRoot);
    }

    public string DataFolder { get; }

    public string MediaRoot { get; }

    public static string FolderName(Guid id) => id.ToString("N");

    /// <summary>The prefix of an attempt folder's name inside a job's folder.</summary>
    public const string AttemptPrefix = "attempt-";

    /// <summary>The name of an attempt's folder inside its job's folder (attempt-3).</summary>
    public static string AttemptFolderName(int attempt) =>
        attempt > 0 ? $"{AttemptPrefix}{attempt.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "Attempts count from 1.");

    public static string VideoFile(int index) => $"video_{index}.mp4";

    public static string FramesZipFile(int index) => $"frames_{index}.zip";

    /// <summary>A download made on demand from the frames (<see cref="ShareVideoCache"/>), e.g. video_0.pingpong.webm, or
    /// video_0.forward.x2.mp4 interpolated to twice the frames.</summary>
    public static string ShareFile(int index, Inference.Video.ShareFormat format, Inference.Video.LoopMode loop, int interpolation = 1) =>
        $"video_{index}.{Inference.Video.ShareEncoder.LoopName(loop)}{(interpolation > 1 ? $".x{interpolation}" : "")}.{Inference.Video.ShareEncoder.Extension(format)}";

    public const string ThumbnailFile = "thumb.png";

    public const string PreviewFile = "preview.gif";

    /// <summary>Full path of a media file. Both parts are app-generated; anything else is refused rather than resolved.</summary>
    public string PathOf(string mediaFolder, string file)
    {
        if (!IsPlainName(mediaFolder) || !IsPlainName(file))
            throw new ArgumentException($"'{mediaFolder}/{file}' is not an app-generated media name.", nameof(file));
        return Path.Combine(MediaRoot, mediaFolder, file);
    }

    /// <summary>Full path of a file an attempt writes, in its attempt folder.</summary>
    public string PathOf(string mediaFolder, int attempt, string file) =>
        Path.Combine(AttemptPath(mediaFolder, attempt), IsPlainName(file) ? file : throw new ArgumentException($"'{file}' is not an app-generated media name.", nameof(file)));

    /// <summary>Full path of an attempt's folder.</summary>
    public string AttemptPath(string mediaFolder, int attempt) => Path.Combine(FolderPath(mediaFolder), AttemptFolderName(attempt));

    /// <summary>Writes through a temporary file that is moved into place only once complete.</summary>
    public Task WriteAtomicallyAsync(string mediaFolder, string file, Func<Stream, CancellationToken, Task> write, CancellationToken ct) =>
        WriteAtomicallyAsync(PathOf(mediaFolder, file), write, ct);

    /// <summary>Writes an attempt's file through a temporary one in its attempt folder.</summary>
    public Task WriteAtomicallyAsync(string mediaFolder, int attempt, string file, Func<Stream, CancellationToken, Task> write, CancellationToken ct) =>
        WriteAtomicallyAsync(PathOf(mediaFolder, attempt, file), write, ct);

    private static async Task WriteAtomicallyAsync(string target, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await write(stream, ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
            }
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public void DeleteFolder(string mediaFolder)
    {
        var folder = FolderPath(mediaFolder);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>
    /// Deletes the outputs in the job's folder itself, keeping its input so it can be retried. Only safe where no run
    /// can be recording an outcome (startup on SQLite, before the workers start): elsewhere delete an attempt's folder.
    /// </summary>
    public void DeleteOutputs(string mediaFolder, string inputFile)
    {
        var folder = FolderPath(mediaFolder);
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.GetFiles(folder))
        {
            if (Path.GetFileName(file) != inputFile) File.Delete(file);
        }
    }

    /// <summary>Deletes one attempt's folder (its partial or losing outputs); the job's own files are not touched.</summary>
    public void DeleteAttempt(string mediaFolder, int attempt)
    {
        var folder = AttemptPath(mediaFolder, attempt);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>The attempt numbers whose folders are in a job's folder.</summary>
    public IReadOnlyList<int> AttemptFolders(string mediaFolder)
    {
        var folder = FolderPath(mediaFolder);
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.EnumerateDirectories(folder, AttemptPrefix + "*").Select(Path.GetFileName)
            .Select(name => int.TryParse(name.AsSpan(AttemptPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0)
            .Where(n => n > 0).Order()];
    }

    /// <summary>
    /// Makes an attempt's outputs the job's: each file is renamed into the job's folder (a rename within one file
    /// system, a shared NFS folder included, replaces the target whole), then every attempt folder is removed. The
    /// caller holds the job's row fenced on this attempt until its outcome is committed, so no reader sees the files
    /// of a job that has not succeeded, and no other attempt promotes at the same time.
    /// </summary>
    public void PromoteAttempt(string mediaFolder, int attempt)
    {
        var source = AttemptPath(mediaFolder, attempt);
        var target = FolderPath(mediaFolder);
        if (Directory.Exists(source))
        {
            foreach (var file in Directory.GetFiles(source))
            {
                var name = Path.GetFileName(file);
                // A temporary file here is not an output (a write that failed left it): it is removed with the folder.
                if (name.StartsWith('.')) continue;
                File.Move(file, Path.Combine(target, name), overwrite: true);
            }
        }
        foreach (var other in AttemptFolders(mediaFolder))
        {
            try
            {
                DeleteAttempt(mediaFolder, other);
            }
            catch (IOException)
            {
                // A stale attempt still writing there (a revived worker) deletes its own folder once it sees it lost;
                // startup recovery removes what a crash leaves.
            }
        }
    }

    /// <summary>Removes temporary files left by a crash; returns how many.</summary>
    public int RemoveTemporaryFiles()
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(MediaRoot, ".*", SearchOption.AllDirectories))
        {
            // Mp4Writer's temporary names end ".tmp.mp4" (ffmpeg picks the container from the extension).
            if (!Path.GetFileName(file).Contains(TempSuffix, StringComparison.Ordinal)) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    /// <summary>The files a job in this state must have: its input, and once it succeeded, every output.</summary>
    public static IEnumerable<string> ExpectedFiles(Gallery.Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        yield return job.InputFile;
        if (job.Status != Gallery.JobStatus.Succeeded) yield break;
        for (var i = 0; i < job.VideoCount; i++)
        {
            yield return VideoFile(i);
            yield return FramesZipFile(i);
        }
        yield return ThumbnailFile;
        yield return PreviewFile;
    }

    /// <summary>The expected files of a job that are not on disk.</summary>
    public IReadOnlyList<string> MissingFiles(Gallery.Job job) =>
        [.. ExpectedFiles(job).Where(file => !File.Exists(PathOf(job.MediaFolder, file)))];

    /// <summary>Media folders that belong to no row (e.g. left by a restore of an older database).</summary>
    public IReadOnlyList<string> OrphanFolders(IReadOnlySet<string> knownFolders)
    {
        ArgumentNullException.ThrowIfNull(knownFolders);
        return [.. Directory.EnumerateDirectories(MediaRoot).Select(Path.GetFileName).OfType<string>().Where(name => !knownFolders.Contains(name)).Order(StringComparer.Ordinal)];
    }

    /// <summary>When the media folder or anything in it was last written.</summary>
    public DateTime LastWriteUtc(string mediaFolder) => LastWriteUtc(new DirectoryInfo(FolderPath(mediaFolder)));

    /// <summary>When an attempt's folder or anything in it was last written.</summary>
    public DateTime LastWriteUtc(string mediaFolder, int attempt) => LastWriteUtc(new DirectoryInfo(AttemptPath(mediaFolder, attempt)));

    private static DateTime LastWriteUtc(DirectoryInfo folder)
    {
        var latest = folder.LastWriteTimeUtc;
        foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
            if (file.LastWriteTimeUtc > latest) latest = file.LastWriteTimeUtc;
        return latest;
    }

    private string FolderPath(string mediaFolder) =>
        Path.Combine(MediaRoot, IsPlainName(mediaFolder) ? mediaFolder : throw new ArgumentException("Not a media folder name.", nameof(mediaFolder)));

    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-') && !name.StartsWith('.') && !name.Contains("..", StringComparison.Ordinal);
}
