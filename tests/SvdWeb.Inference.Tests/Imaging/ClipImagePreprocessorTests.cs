using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

public sealed class ClipImagePreprocessorTests
{
    // The real SVD feature extractor's values, as in the tiny pack's preprocessor_config.json.
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    // torch's AVX2 bicubic kernel is FMA-contracted by GCC; reproducing its contractions brings us from 4e-5 (no FMA;
    // Inference README §4.3.1) to 2 ulps of 1.0: measured 2.4e-7 worst over the three images, 1 value in 6 an ulp off.
    private const float ResizeTolerance = 2.4e-7f;

    /// <summary>
    /// What the resize difference becomes in pixel_values = ((x + 1)/2 − mean)/std: x + 1 rounds to the ulp of 2, which
    /// can add 2.4e-7; halving and dividing by the smallest std (0.2613) scales by 1.91; the result (up to 2.6) rounds
    /// to half an ulp, 1.2e-7. (2.4e-7 + 2.4e-7) · 1.91 + 1.2e-7 = 1.04e-6.
    /// </summary>
    internal const float PixelValuesTolerance = (ResizeTolerance + 2.4e-7f) / (2 * 0.26130258f) + 1.2e-7f;

    public static TheoryData<string, string, string> ClipCases => PreprocessCase.ClipBranch();

    [Theory]
    [MemberData(nameof(ClipCases))]
    public void Resize_GoldenCase_MatchesTorchWithinFmaDifference(string imageFile, string resizeGolden, string pixelValuesGolden)
    {
        _ = pixelValuesGolden;
        var image = ImageLoader.Load(Fixtures.Image(imageFile), ImageLimits.Default);
        var pixels = new float[3 * image.Width * image.Height];
        VaeImagePreprocessor.RgbToChwMinusOneToOne(image.Pixels, image.Width * image.Height, pixels);
        var actual = new float[3 * 224 * 224];

        AntialiasResize.Resize(pixels, image.Height, image.Width, actual, 224, 224);

        TensorAssert.Close($"{imageFile}_clip_resize_output", Fixtures.Golden(resizeGolden), actual, ResizeTolerance);
    }

    [Theory]
    [MemberData(nameof(ClipCases))]
    public void Preprocess_GoldenCase_MatchesDiffusersPixelValues(string imageFile, string resizeGolden, string pixelValuesGolden)
    {
        _ = resizeGolden;
        var image = ImageLoader.Load(Fixtures.Image(imageFile), ImageLimits.Default);
        var actual = new float[3 * 224 * 224];

        ClipImagePreprocessor.Preprocess(image, Mean, Std, actual);

        TensorAssert.Close($"{imageFile}_clip_pixel_values", Fixtures.Golden(pixelValuesGolden), actual, PixelValuesTolerance);
    }

    [Fact]
    public void Resize_LargeImage_BlursBeforeSubsampling()
    {
        // A 1-pixel checkerboard at 4x the output size: without the anti-aliasing blur, bicubic sampling would alias it
        // into a high-contrast pattern; with it, every output pixel is close to the mean (0).
        const int side = 896;
        var source = new float[3 * side * side];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < side; y++)
            {
                for (var x = 0; x < side; x++) source[(c * side + y) * side + x] = (x + y) % 2 == 0 ? 1f : -1f;
            }
        }
        var output = new float[3 * 224 * 224];

        AntialiasResize.Resize(source, side, side, output, 224, 224);

        Assert.All(output, v => Assert.InRange(v, -0.05f, 0.05f));
    }

    [Fact]
    public void Resize_SmallImage_KeepsFirstCornerExactly()
    {
        // align_corners=True maps output 0 onto input 0 (weights exactly 0, 1, 0, 0), and σ = 0.001 makes the blur an
        // exact identity. The last corner is not exact in torch 1.13 either: scale·223 rounds just below 69.
        var image = ImageLoader.Load(Fixtures.Image("rose_70x46.png"), ImageLimits.Default);
        var pixels = new float[3 * 70 * 46];
        VaeImagePreprocessor.RgbToChwMinusOneToOne(image.Pixels, 70 * 46, pixels);
        var output = new float[3 * 224 * 224];

        AntialiasResize.Resize(pixels, 46, 70, output, 224, 224);

        Assert.Equal(pixels[0], output[0]);
        Assert.Equal(pixels[70 * 46], output[224 * 224]);
        Assert.Equal(pixels[70 * 46 - 1], output[224 * 224 - 1], 1e-5f);
    }
}
