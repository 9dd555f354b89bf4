namespace SvdWeb.Storage;

/// <summary>The containers a video can be downloaded in; all are made from the stored lossless PNG frames.</summary>
public enum VideoFormat
{
    /// <summary>H.264 in MP4, as the run encoded it (the forward one is the run's own file).</summary>
    Mp4,

    /// <summary>VP9 in WebM.</summary>
    Webm,

    /// <summary>Animated GIF with a palette made for the clip.</summary>
    Gif,

    /// <summary>Animated WebP (lossy, quality 90).</summary>
    Webp,
}

/// <summary>How the frames are ordered: once through, or forward then back (a "boomerang").</summary>
public enum VideoLoop
{
    Forward,

    /// <summary>Frames 0 … n−1 then n−2 … 1, so a looping player never shows a frame twice in a row: 2n−2 frames.</summary>
    PingPong,
}

/// <summary>Names, content types and parsing of <see cref="VideoFormat"/> and <see cref="VideoLoop"/>, as the API writes them.</summary>
public static class VideoFormats
{
    public static readonly IReadOnlyList<string> FormatNames = ["mp4", "webm", "gif", "webp"];

    public static readonly IReadOnlyList<string> LoopNames = ["forward", "pingpong"];

    public static string Extension(VideoFormat format) => FormatNames[(int)format];

    public static string Name(VideoLoop loop) => LoopNames[(int)loop];

    public static string ContentType(VideoFormat format) => format switch
    {
        VideoFormat.Mp4 => "video/mp4",
        VideoFormat.Webm => "video/webm",
        VideoFormat.Gif => "image/gif",
        VideoFormat.Webp => "image/webp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Reads "mp4", "webm", "gif" or "webp" (any case); null or empty is the default, mp4.</summary>
    public static bool TryParseFormat(string? text, out VideoFormat format)
    {
        format = VideoFormat.Mp4;
        if (string.IsNullOrEmpty(text)) return true;
        var index = IndexOf(FormatNames, text);
        if (index < 0) return false;
        format = (VideoFormat)index;
        return true;
    }

    /// <summary>Reads "forward" or "pingpong" (any case); null or empty is the default, forward.</summary>
    public static bool TryParseLoop(string? text, out VideoLoop loop)
    {
        loop = VideoLoop.Forward;
        if (string.IsNullOrEmpty(text)) return true;
        var index = IndexOf(LoopNames, text);
        if (index < 0) return false;
        loop = (VideoLoop)index;
        return true;
    }

    /// <summary>The frame order of a clip of <paramref name="frames"/> frames.</summary>
    public static IEnumerable<int> FrameOrder(int frames, VideoLoop loop)
    {
        for (var f = 0; f < frames; f++) yield return f;
        if (loop != VideoLoop.PingPong) yield break;
        for (var f = frames - 2; f >= 1; f--) yield return f;
    }

    private static int IndexOf(IReadOnlyList<string> names, string text)
    {
        for (var i = 0; i < names.Count; i++)
            if (string.Equals(names[i], text, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}
