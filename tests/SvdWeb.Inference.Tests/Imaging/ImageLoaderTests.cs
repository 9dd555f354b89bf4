using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathFor(string name) => Path.Combine(_folder, name);

    [Fact]
    public void Load_FixturePng_GivesRgbOfDeclaredSize()
    {
        var image = ImageLoader.Load(Fixtures.Image("wizard_301x173.png"), ImageLimits.Default);

        Assert.Equal((301, 173), (image.Width, image.Height));
        Assert.Equal(301 * 173 * 3, image.Pixels.Length);
        Assert.True(image.Pixels.Distinct().Count() > 100, "a real picture has many distinct levels");
    }

    [Fact]
    public void Load_RgbaPng_DropsAlphaLikePillowConvertRgb()
    {
        using (var rgba = new Image<Rgba32>(2, 1))
        {
            rgba[0, 0] = new Rgba32(10, 20, 30, 0);    // fully transparent: its colour is kept, not blended
            rgba[1, 0] = new Rgba32(200, 100, 50, 128);
            rgba.SaveAsPng(PathFor("a.png"));
        }

        var image = ImageLoader.Load(PathFor("a.png"), ImageLimits.Default);

        Assert.Equal(new byte[] { 10, 20, 30, 200, 100, 50 }, image.Pixels);
    }

    [Fact]
    public void Load_GreyscaleAnd16BitPng_ConvertsTo8BitRgb()
    {
        using (var grey = new Image<L8>(1, 1)) { grey[0, 0] = new L8(77); grey.SaveAsPng(PathFor("g.png")); }
        using (var deep = new Image<Rgb48>(1, 1)) { deep[0, 0] = new Rgb48(0xFFFF, 0, 0x8080); deep.SaveAsPng(PathFor("d.png")); }

        Assert.Equal(new byte[] { 77, 77, 77 }, ImageLoader.Load(PathFor("g.png"), ImageLimits.Default).Pixels);
        Assert.Equal(new byte[] { 255, 0, 128 }, ImageLoader.Load(PathFor("d.png"), ImageLimits.Default).Pixels);
    }

    [Fact]
    public void Load_ExifRotated_AppliesOrientation()
    {
        using (var photo = new Image<Rgb24>(40, 20))
        {
            photo.Metadata.ExifProfile = new ExifProfile();
            photo.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);    // "rotate 90° clockwise to view"
            photo.SaveAsJpeg(PathFor("r.jpg"));
        }

        var image = ImageLoader.Load(PathFor("r.jpg"), ImageLimits.Default);

        Assert.Equal((20, 40), (image.Width, image.Height));
    }

    [Fact]
    public void Load_LosslessFormats_GiveTheSamePixels()
    {
        var original = ImageLoader.Load(Fixtures.Image("rose_70x46.png"), ImageLimits.Default);
        using var source = Image.LoadPixelData<Rgb24>(original.Pixels, original.Width, original.Height);
        source.SaveAsBmp(PathFor("x.bmp"));
        source.SaveAsTiff(PathFor("x.tiff"));
        source.SaveAsWebp(PathFor("x.webp"), new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });

        foreach (var file in new[] { "x.bmp", "x.tiff", "x.webp" })
            Assert.Equal(original.Pixels, ImageLoader.Load(PathFor(file), ImageLimits.Default).Pixels);
    }

    [Fact]
    public void Load_AnimatedGif_TakesFirstFrame()
    {
        using (var gif = new Image<Rgb24>(4, 4, new Rgb24(255, 0, 0)))
        {
            using var second = new Image<Rgb24>(4, 4, new Rgb24(0, 0, 255));
            gif.Frames.AddFrame(second.Frames.RootFrame);
            gif.SaveAsGif(PathFor("anim.gif"));
        }

        var image = ImageLoader.Load(PathFor("anim.gif"), ImageLimits.Default);

        Assert.Equal(new byte[] { 255, 0, 0 }, image.Pixels.AsSpan(0, 3).ToArray());
    }

    [Fact]
    public void Load_HtmlRenamedPng_NamesFileAndFormats()
    {
        File.WriteAllText(PathFor("page.png"), "<html><body><svg onload=alert(1)></svg></body></html>");

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("page.png"), ImageLimits.Default));

        Assert.Equal("image", ex.Field);
        Assert.Contains("'page.png' is not an image SvdWeb can read", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PNG, JPEG, WebP, BMP, GIF or TIFF", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TgaFile_IsRefusedAsUnsupported()
    {
        using (var tga = new Image<Rgb24>(4, 4)) tga.Save(PathFor("x.tga"), new TgaEncoder());

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("x.tga"), ImageLimits.Default));

        Assert.Contains("not an image SvdWeb can read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyFile_SaysItIsEmpty()
    {
        File.WriteAllBytes(PathFor("empty.png"), []);

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("empty.png"), ImageLimits.Default));

        Assert.Contains("'empty.png' is empty (0 bytes)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedPng_SaysDamagedOrTruncated()
    {
        var bytes = File.ReadAllBytes(Fixtures.Image("wizard_301x173.png"));
        File.WriteAllBytes(PathFor("cut.png"), bytes[..(bytes.Length / 2)]);

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("cut.png"), ImageLimits.Default));

        Assert.Contains("'cut.png' could not be decoded: the file is damaged or truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HeaderDeclaringHugeCanvas_IsRefusedBeforeDecoding()
    {
        // A 100000 x 100000 PNG header (a decompression bomb would follow); decoding it would need 30 GB.
        File.WriteAllBytes(PathFor("bomb.png"), TestImages.PngHeader(100_000, 100_000));

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("bomb.png"), ImageLimits.Default));

        Assert.Contains("'bomb.png' is 100000x100000 (10000.0 megapixels); the limit is 40.0 megapixels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileOverByteLimit_NamesLimit()
    {
        var limits = new ImageLimits(MaxBytes: 1000, MaxPixels: 1_000_000);

        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(Fixtures.Image("wizard_301x173.png"), limits));

        Assert.Contains("'wizard_301x173.png'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("files may be at most 1000 bytes, this one is 42.4 KB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NonSeekableStreamOverLimit_StopsReading()
    {
        using var endless = new GeneratedStream(long.MaxValue);
        var limits = new ImageLimits(MaxBytes: 1 << 20, MaxPixels: 1_000_000);

        Assert.Throws<SvdInputException>(() => ImageLoader.Load(endless, limits, "upload.png"));
        Assert.InRange(endless.Served, 1 << 20, (1 << 20) + (1 << 17));
    }

    [Fact]
    public void Load_MissingFile_NamesPath()
    {
        var ex = Assert.Throws<SvdInputException>(() => ImageLoader.Load(PathFor("nope.png"), ImageLimits.Default));

        Assert.Contains("nope.png' does not exist", ex.Message, StringComparison.Ordinal);
    }
}
