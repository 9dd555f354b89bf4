using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

/// <summary>
/// Damaged uploads of every accepted format, made by flipping bytes and cutting files short with a fixed seed: each
/// either loads or is refused with the user's message, never with a decoder's own exception (which would reach the
/// user as a server error). ImageSharp 2.1's decoders throw NullReferenceException, DivideByZeroException and
/// InvalidOperationException on some of these.
/// </summary>
public sealed class ImageLoaderFuzzTests
{
    private const int MutationsPerFormat = 1500;

    public static TheoryData<string> Formats => ["png", "jpeg", "gif", "bmp", "tiff", "webp-lossy", "webp-lossless"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Load_MutatedFile_LoadsOrRefusedWithTheUsersMessage(string format)
    {
        var original = Encode(format);
        // A seed fixed per format (string hash codes change per process), so a failure names a mutation that repeats.
        var random = new Random(format.Sum(c => c));
        var failures = new List<string>();
        for (var i = 0; i < MutationsPerFormat && failures.Count < 5; i++)
        {
            var damaged = (byte[])original.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) damaged = damaged[..random.Next(1, damaged.Length)];
            try
            {
                ImageLoader.Load(new MemoryStream(damaged), ImageLimits.Default, "damaged");
            }
            catch (SvdInputException ex) when (ex.Field == "image")
            {
            }
#pragma warning disable CA1031 // the point is to see every other exception type
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"mutation {i}: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static byte[] Encode(string format)
    {
        using var image = Image.Load<Rgb24>(Fixtures.Image("rose_70x46.png"));
        IImageEncoder encoder = format switch
        {
            "png" => new PngEncoder(),
            "jpeg" => new JpegEncoder(),
            "gif" => new GifEncoder(),
            "bmp" => new BmpEncoder(),
            "tiff" => new TiffEncoder(),
            "webp-lossy" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossy },
            _ => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        };
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
