using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SvdWeb.Inference.Video;

/// <summary>Finds ffmpeg and ffprobe on PATH and reads their version, so a missing install is reported at startup, not mid-job.</summary>
public static partial class FfmpegTool
{
    /// <summary>The folder holding both ffmpeg and ffprobe, or null when either is missing from PATH.</summary>
    public static string? FindFolder()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, "ffmpeg")) && File.Exists(Path.Combine(folder, "ffprobe")))
                return folder;
        }
        return null;
    }

    /// <summary>The folder of ffmpeg and ffprobe; throws <see cref="FfmpegException"/> with the install command when absent.</summary>
    public static string RequireFolder() => FindFolder()
        ?? throw new FfmpegException($"ffmpeg and ffprobe were not found on PATH. {FfmpegException.InstallHint}");

    /// <summary>The version line of <c>ffmpeg -version</c>, e.g. "5.1.9-0+deb12u1".</summary>
    public static async Task<string> GetVersionAsync(string folder, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path.Combine(folder, "ffmpeg"), "-hide_banner -version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new FfmpegException($"ffmpeg in {folder} could not be started. {FfmpegException.InstallHint}");
        // Drain both pipes at once: a full stderr pipe would block ffmpeg while we wait on stdout.
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        return ParseVersion(await stdout.ConfigureAwait(false)) ?? throw new FfmpegException(
            $"ffmpeg in {folder} did not report a version (exit code {process.ExitCode}). {FfmpegException.InstallHint}", await stderr.ConfigureAwait(false));
    }

    internal static string? ParseVersion(string versionOutput)
    {
        var match = VersionLine().Match(versionOutput);
        return match.Success ? match.Groups[1].Value : null;
    }

    // A leading "7:" is a Debian package epoch some repackaged builds print; it is not part of ffmpeg's version.
    [GeneratedRegex(@"^ffmpeg version (?:[0-9]+:)?(\S+)", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
