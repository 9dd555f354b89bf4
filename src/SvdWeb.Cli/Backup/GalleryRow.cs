using System.Globalization;

namespace SvdWeb.Cli.Backup;

/// <summary>
/// The columns of one Jobs row that locate its media. The CLI reads them with plain SQL rather than through
/// the web project's EF model, so it stays free of ASP.NET; the names and rules mirror the web app's MediaStore.
/// </summary>
internal sealed record GalleryRow(string Id, string Status, string MediaFolder, string InputFile, int VideoCount)
{
    public const string SucceededStatus = "Succeeded";

    /// <summary>
    /// The files the app must have left for this row: a succeeded job keeps its input, one MP4 and one frames ZIP per
    /// video, the thumbnail and the preview; any other status keeps at least the input (failed and cancelled runs
    /// delete their outputs, queued and running ones have none yet).
    /// </summary>
    public IReadOnlyList<string> ExpectedFiles()
    {
        if (Status != SucceededStatus) return [InputFile];
        var files = new List<string> { InputFile };
        for (var index = 0; index < VideoCount; index++)
        {
            files.Add(string.Create(CultureInfo.InvariantCulture, $"video_{index}.mp4"));
            files.Add(string.Create(CultureInfo.InvariantCulture, $"frames_{index}.zip"));
        }
        files.Add("thumb.png");
        files.Add("preview.gif");
        return files;
    }

    /// <summary>
    /// The app only ever writes folder and file names like these; anything else (a hand-edited row, "..") is never
    /// resolved against the data folder, so a bad row cannot point the backup outside it.
    /// </summary>
    public static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')
        && !name.StartsWith('.') && !name.Contains("..", StringComparison.Ordinal);
}
