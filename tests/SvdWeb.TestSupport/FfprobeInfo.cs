using System.Diagnostics;
using System.Text.Json;

namespace SvdWeb.TestSupport;

/// <summary>What ffprobe (the real one) says about a video's first stream, with frames counted by decoding.</summary>
public sealed record FfprobeInfo(string Codec, string PixelFormat, int Width, int Height, int Frames, string FrameRate)
{
    public static async Task<FfprobeInfo> ReadAsync(string path, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffprobe")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                     "stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate", "-of", "json", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffprobe failed on {path}: {await stderr}");
        using var json = JsonDocument.Parse(await stdout);
        var stream = json.RootElement.GetProperty("streams")[0];
        return new FfprobeInfo(
            stream.GetProperty("codec_name").GetString()!,
            stream.GetProperty("pix_fmt").GetString()!,
            stream.GetProperty("width").GetInt32(),
            stream.GetProperty("height").GetInt32(),
            int.Parse(stream.GetProperty("nb_read_frames").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            stream.GetProperty("r_frame_rate").GetString()!);
    }

    /// <summary>True when the moov atom precedes mdat (+faststart): browsers can start playing before the download ends.</summary>
    public static bool IsFastStart(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var moov = IndexOf(bytes, "moov"u8);
        var mdat = IndexOf(bytes, "mdat"u8);
        return moov >= 0 && mdat >= 0 && moov < mdat;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
