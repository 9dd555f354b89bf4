using FFMpegCore.Pipes;

namespace SvdWeb.Inference.Video;

/// <summary>One HWC RGB24 frame handed to ffmpeg's rawvideo pipe without a copy.</summary>
internal sealed class Rgb24Frame(ReadOnlyMemory<byte> pixels, int width, int height) : IVideoFrame
{
    public int Width => width;

    public int Height => height;

    public string PixelFormat => "rgb24";

    public void Serialize(Stream pipe) => pipe.Write(pixels.Span);

    public async Task SerializeAsync(Stream pipe, CancellationToken token) => await pipe.WriteAsync(pixels, token).ConfigureAwait(false);
}
