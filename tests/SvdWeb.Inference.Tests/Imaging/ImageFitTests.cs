using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

public sealed class ImageFitTests
{
    private static RgbImage Wizard() => ImageLoader.Load(Fixtures.Image("wizard_301x173.png"), ImageLimits.Default);

    [Fact]
    public void Apply_Stretch_ReturnsImageUnchanged()
    {
        var image = Wizard();

        // diffusers' behaviour: the pipeline's own resize squashes the whole image to the output size.
        Assert.Same(image, ImageFit.Apply(image, 128, 64, FitMode.Stretch));
    }

    [Fact]
    public void Apply_CropToWiderAspect_KeepsCentredFullWidthBand()
    {
        var image = Wizard();

        var cropped = ImageFit.Apply(image, 128, 64, FitMode.Crop);

        // 301 / 2 = 150.5 rows, rounded to 151; (173 − 151) / 2 = 11 rows cut from the top.
        Assert.Equal((301, 151), (cropped.Width, cropped.Height));
        for (var y = 0; y < 151; y += 50)
            Assert.Equal(image.Pixels.AsSpan((y + 11) * 301 * 3, 301 * 3).ToArray(), cropped.Pixels.AsSpan(y * 301 * 3, 301 * 3).ToArray());
    }

    [Fact]
    public void Apply_CropToTallerAspect_KeepsCentredFullHeightBand()
    {
        var image = Wizard();

        var cropped = ImageFit.Apply(image, 64, 128, FitMode.Crop);

        // 173 / 2 = 86.5 columns, rounded to 87; (301 − 87) / 2 = 107 columns cut from the left.
        Assert.Equal((87, 173), (cropped.Width, cropped.Height));
        Assert.Equal(image.Pixels.AsSpan((5 * 301 + 107) * 3, 87 * 3).ToArray(), cropped.Pixels.AsSpan(5 * 87 * 3, 87 * 3).ToArray());
    }

    [Fact]
    public void Apply_PadToTallerAspect_CentresImageOnBlack()
    {
        var image = ImageLoader.Load(Fixtures.Image("rose_70x46.png"), ImageLimits.Default);

        var padded = ImageFit.Apply(image, 64, 128, FitMode.Pad);

        // 70 wide at 1:2 is 140 high; (140 − 46) / 2 = 47 black rows above, 47 below.
        Assert.Equal((70, 140), (padded.Width, padded.Height));
        Assert.All(padded.Pixels.AsSpan(0, 47 * 70 * 3).ToArray(), b => Assert.Equal(0, b));
        Assert.All(padded.Pixels.AsSpan(93 * 70 * 3).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(image.Pixels, padded.Pixels.AsSpan(47 * 70 * 3, 46 * 70 * 3).ToArray());
    }

    [Fact]
    public void Apply_PadToWiderAspect_AddsSideBars()
    {
        var image = new RgbImage(10, 20, Enumerable.Repeat((byte)9, 600).ToArray());

        var padded = ImageFit.Apply(image, 32, 16, FitMode.Pad);

        Assert.Equal((40, 20), (padded.Width, padded.Height));
        Assert.Equal(0, padded.Pixels[(5 * 40 + 14) * 3]);
        Assert.Equal(9, padded.Pixels[(5 * 40 + 15) * 3]);
        Assert.Equal(9, padded.Pixels[(5 * 40 + 24) * 3]);
        Assert.Equal(0, padded.Pixels[(5 * 40 + 25) * 3]);
    }

    [Theory]
    [InlineData(FitMode.Crop)]
    [InlineData(FitMode.Pad)]
    public void Apply_SameAspect_ReturnsImageUnchanged(FitMode fit)
    {
        var image = ImageLoader.Load(Fixtures.Image("logo_128x64.png"), ImageLimits.Default);

        Assert.Same(image, ImageFit.Apply(image, 1024, 512, fit));
    }
}
