using System.Security.Cryptography;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference;

namespace SvdWeb.Tests;

/// <summary>
/// What two runs' PNG frames must share: their pixels and the recipe they carry. The file bytes are not it, since
/// every frame's recipe text names its own gallery item.
/// </summary>
public static class FramePixels
{
    /// <summary>"W×H:SHA-256 of the RGBA rows|the embedded stamp without its gallery item".</summary>
    public static string Fingerprint(Stream png)
    {
        using var image = Image.Load<Rgba32>(png, out var format);
        Assert.IsType<PngFormat>(format);
        var pixels = new Rgba32[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        var hash = Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan())));
        var text = image.Metadata.GetPngMetadata().TextData.SingleOrDefault(t => t.Keyword == "svdweb-recipe");
        Assert.False(string.IsNullOrEmpty(text.Value), "The frame carries no svdweb-recipe text.");
        var stamp = RecipeStamp.Parse(text.Value);
        Assert.NotNull(stamp);
        return $"{image.Width}x{image.Height}:{hash}|{(stamp with { Item = null }).ToJson()}";
    }
}
