namespace SvdWeb.Inference.Video;

/// <summary>The formats a video can be downloaded in, made from its lossless frames (<see cref="ShareEncoder"/>).</summary>
public enum ShareFormat
{
    /// <summary>H.264 in MP4, yuv420p: what the gallery stores and plays.</summary>
    Mp4,

    /// <summary>VP9 in WebM, yuv420p: for pages and chats that prefer an open codec.</summary>
    WebM,

    /// <summary>Animated GIF, 256 colours from one palette made for the clip, looping forever.</summary>
    Gif,

    /// <summary>Animated WebP (lossy, quality 90), looping forever.</summary>
    WebP,
}

/// <summary>Which way the frames play.</summary>
public enum LoopMode
{
    /// <summary>Frames 0 … n−1, as generated.</summary>
    Forward,

    /// <summary>Frames 0 … n−1 then n−2 … 1 (a boomerang): 2n − 2 frames, which loop without a jump.</summary>
    PingPong,
}
