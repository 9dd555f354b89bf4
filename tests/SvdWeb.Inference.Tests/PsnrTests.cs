using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests;

/// <summary>The PSNR helper the draft-versus-final measurement uses (DraftFinalPsnrTests), on values worked out by hand.</summary>
public sealed class PsnrTests
{
    [Fact]
    public void Of_IdenticalPicturesInfinite_OneLevelOffEverywhere48Db()
    {
        byte[] a = [0, 10, 200, 255];

        Assert.Equal(double.PositiveInfinity, Psnr.Of(a, a));
        // MSE 1: 10·log10(255²) = 48.13 dB.
        Assert.Equal(48.1308, Psnr.Of(a, [1, 11, 201, 254]), 4);
        // MSE 255²/4 (one value of four off by 255): 10·log10(4) = 6.02 dB.
        Assert.Equal(6.0206, Psnr.Of(a, [255, 10, 200, 255]), 4);
    }

    [Fact]
    public void PerFrame_TwoFrames_EachFramesOwnPsnrAndMismatchedSizesRefused()
    {
        byte[] a = [5, 5, 5, 5, 9, 9, 9, 9];
        byte[] b = [5, 5, 5, 5, 8, 10, 8, 10];

        Assert.Equal([double.PositiveInfinity, 48.1308], Psnr.PerFrame(a, b, 4).Select(p => Math.Round(p, 4)));
        Assert.Throws<ArgumentException>(() => Psnr.PerFrame(a, b.AsSpan(0, 4), 4));
        Assert.Throws<ArgumentException>(() => Psnr.PerFrame(a, b, 3));
    }
}
