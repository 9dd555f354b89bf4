using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SvdWeb.Inference.Video;

/// <summary>
/// Lossless PNG frames named frame_0000.png, frame_0001.png, … (the exact uint8 frames of the pipeline), each with the
/// recipe in a tEXt chunk when one is given, so a single frame still says how it was made.
/// </summary>
public static class PngFrameWriter
{
    public static string FrameName(int index) => $"frame_{index:D4}.png";

    public static async Task WriteAsync(string folder, IReadOnlyList<ReadOnlyMemory<byte>> framesRgb24, int width, int height, CancellationToken ct, RecipeStamp? recipe = null)
    {
        ArgumentNullException.ThrowIfNull(framesRgb24);
        Directory.CreateDirectory(folder);
        var encoder = new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 };
        for (var i = 0; i < framesRgb24.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var path = Path.Combine(folder, FrameName(i));
            var temporary = path + ".tmp";
            using (var image = Image.LoadPixelData<Rgb24>(framesRgb24[i].Span, width, height))
            {
                Stamp(image, recipe);
                await image.SaveAsPngAsync(temporary, encoder, ct).ConfigureAwait(false);
            }
            File.Move(temporary, path, overwrite: true);
        }
    }

    /// <summary>Encodes one frame as PNG bytes (for ZIP downloads and thumbnails).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> frameRgb24, int width, int height, RecipeStamp? recipe = null)
    {
        using var image = Image.LoadPixelData<Rgb24>(frameRgb24, width, height);
        Stamp(image, recipe);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 });
        return stream.ToArray();
    }

    private static void Stamp(Image image, RecipeStamp? recipe)
    {
        if (recipe is not null) image.Metadata.GetPngMetadata().TextData.Add(RecipeEmbedding.PngText(recipe));
    }
}
