using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

public sealed class PillowResizeTests
{
    public static TheoryData<string, int, int, string, string> VaeCases => PreprocessCase.VaeBranch();

    [Theory]
    [MemberData(nameof(VaeCases))]
    public void Lanczos_GoldenCase_MatchesPillowBitForBit(string imageFile, int width, int height, string resizedGolden, string preprocessedGolden)
    {
        _ = preprocessedGolden;
        var image = ImageLoader.Load(Fixtures.Image(imageFile), ImageLimits.Default);
        var expected = Fixtures.Golden(resizedGolden);

        var resized = PillowResize.Lanczos(image, width, height);

        Assert.Equal((width, height), (resized.Width, resized.Height));
        // Pillow's integer arithmetic is reproducible exactly: no tolerance.
        TensorAssert.Close($"{imageFile}_to_{width}x{height}", expected.ToUInt8(), expected.Shape, resized.Pixels, maxLevels: 0, maxDiffering: 0);
    }

    [Fact]
    public void Lanczos_SameSize_ReturnsEqualCopy()
    {
        var image = ImageLoader.Load(Fixtures.Image("logo_128x64.png"), ImageLimits.Default);

        var resized = PillowResize.Lanczos(image, 128, 64);

        Assert.NotSame(image.Pixels, resized.Pixels);
        Assert.Equal(image.Pixels, resized.Pixels);
    }

    [Fact]
    public void Lanczos_ConstantImage_StaysConstant()
    {
        // Normalised coefficients sum to 2^22 up to rounding, so a flat colour survives any scale exactly.
        var pixels = new byte[37 * 23 * 3];
        for (var i = 0; i < pixels.Length; i += 3) (pixels[i], pixels[i + 1], pixels[i + 2]) = (200, 17, 255);

        var resized = PillowResize.Lanczos(new RgbImage(37, 23, pixels), 128, 9);

        for (var i = 0; i < resized.Pixels.Length; i += 3)
            Assert.Equal((200, 17, 255), (resized.Pixels[i], resized.Pixels[i + 1], resized.Pixels[i + 2]));
    }

    [Fact]
    public void Lanczos_OneAxisOnly_LeavesOtherAxisUntouched()
    {
        var image = ImageLoader.Load(Fixtures.Image("wizard_301x173.png"), ImageLimits.Default);

        var resized = PillowResize.Lanczos(image, 301, 64);

        // Pillow skips the horizontal pass when the width is unchanged, so each column is resampled independently.
        var columnOnly = new RgbImage(1, 173, [.. Enumerable.Range(0, 173).SelectMany(y => image.Pixels.AsSpan((y * 301 + 150) * 3, 3).ToArray())]);
        var column = PillowResize.Lanczos(columnOnly, 1, 64);
        for (var y = 0; y < 64; y++)
            Assert.Equal(column.Pixels.AsSpan(y * 3, 3).ToArray(), resized.Pixels.AsSpan((y * 301 + 150) * 3, 3).ToArray());
    }
}
