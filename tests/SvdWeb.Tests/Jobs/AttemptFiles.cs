using System.Text;
using SvdWeb.Storage;

namespace SvdWeb.Tests.Jobs;

/// <summary>Small text files written where a run writes its outputs, so a test can tell whose file ended up where.</summary>
internal static class AttemptFiles
{
    /// <summary>The outputs a succeeded job with one video has.</summary>
    public static readonly string[] Outputs = [MediaStore.VideoFile(0), MediaStore.FramesZipFile(0), MediaStore.ThumbnailFile, MediaStore.PreviewFile];

    /// <summary>Writes a file as a run does: into the attempt's folder, or the job's own folder when attempt is null (the input).</summary>
    public static Task WriteAsync(MediaStore media, string folder, int? attempt, string file, string text, CancellationToken ct)
    {
        Task Write(Stream stream, CancellationToken token) => stream.WriteAsync(Encoding.UTF8.GetBytes(text), token).AsTask();
        return attempt is { } n ? media.WriteAtomicallyAsync(folder, n, file, Write, ct) : media.WriteAtomicallyAsync(folder, file, Write, ct);
    }

    /// <summary>Writes every output of a run into its attempt's folder, each saying whose it is.</summary>
    public static async Task WriteOutputsAsync(MediaStore media, string folder, int attempt, string whose, CancellationToken ct)
    {
        foreach (var file in Outputs) await WriteAsync(media, folder, attempt, file, $"{whose} {file}", ct);
    }

    /// <summary>Asserts that the job's own folder holds every output, each the one <paramref name="whose"/> wrote.</summary>
    public static void AssertOutputsOf(MediaStore media, string folder, string whose)
    {
        Assert.All(Outputs, file => Assert.Equal($"{whose} {file}", File.ReadAllText(media.PathOf(folder, file))));
    }
}
