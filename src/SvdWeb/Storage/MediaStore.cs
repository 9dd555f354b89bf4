using Microsoft.Extensions.Options;
using SvdWeb.Options;

namespace SvdWeb.Storage;

/// <summary>
/// The media files of every job, under DataFolder/media/{id}/ with names the app chooses (input.png,
/// video_0.mp4, frames_0.zip, thumb.png, preview.gif). Writes go to a temporary name in the same folder and are moved
/// into place, so a crash or a full disk never leaves a half file where the gallery would show it; temporary names
/// start with "." and contain ".tmp" so startup recovery can remove leftovers.
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

    /// <summary>Writes through a temporary file that is moved into place only once complete.</summary>
    public async Task WriteAtomicallyAsync(string mediaFolder, string file, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var target = PathOf(mediaFolder, file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{file}.{Guid.NewGuid():N}{TempSuffix}");
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
        var folder = Path.Combine(MediaRoot, IsPlainName(mediaFolder) ? mediaFolder : throw new ArgumentException("Not a media folder name.", nameof(mediaFolder)));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    /// <summary>Deletes the outputs of a failed or cancelled run, keeping its input so it can be retried.</summary>
    public void DeleteOutputs(string mediaFolder, string inputFile)
    {
        var folder = Path.Combine(MediaRoot, mediaFolder);
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.GetFiles(folder))
        {
            if (Path.GetFileName(file) != inputFile) File.Delete(file);
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
    public DateTime LastWriteUtc(string mediaFolder)
    {
        var folder = new DirectoryInfo(Path.Combine(MediaRoot, IsPlainName(mediaFolder) ? mediaFolder : throw new ArgumentException("Not a media folder name.", nameof(mediaFolder))));
        var latest = folder.LastWriteTimeUtc;
        foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
            if (file.LastWriteTimeUtc > latest) latest = file.LastWriteTimeUtc;
        return latest;
    }

    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-') && !name.StartsWith('.') && !name.Contains("..", StringComparison.Ordinal);
}
