using SvdWeb.Inference.Imaging;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Imaging;

public sealed class VaeImagePreprocessorTests
{
    public static TheoryData<string, int, int, string, string> VaeCases => PreprocessCase.VaeBranch();

    [Theory]
    [MemberData(nameof(VaeCases))]
    public void Preprocess_GoldenCase_MatchesDiffusersBitForBit(string imageFile, int width, int height, string resizedGolden, string preprocessedGolden)
    {
        _ = resizedGolden;
        var image = ImageLoader.Load(Fixtures.Image(imageFile), ImageLimits.Default);
        var expected = Fixtures.Golden(preprocessedGolden);
        var actual = new float[3 * width * height];

        VaeImagePreprocessor.Preprocess(image, width, height, actual);

        // Pillow's resize is exact and the /255, 2x−1 arithmetic is float32 as in numpy and torch: bit for bit.
        TensorAssert.BitExact($"{imageFile}_to_{width}x{height}_preprocessed", expected.ToFloat32(), expected.Shape, actual);
    }

    [Fact]
    public void Preprocess_WrongDestinationLength_Throws()
    {
        var image = new RgbImage(2, 2, new byte[12]);

        var ex = Assert.Throws<ArgumentException>(() => VaeImagePreprocessor.Preprocess(image, 16, 16, new float[10]));

        Assert.Contains("768", ex.Message, StringComparison.Ordinal);
    }
}
