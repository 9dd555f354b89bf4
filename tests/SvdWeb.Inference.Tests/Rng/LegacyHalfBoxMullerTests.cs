using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference.Tests.Rng;

public sealed class LegacyHalfBoxMullerTests
{
    [Fact]
    public void GlibcExceptions_EachIsOneUlpFromTheCorrectlyRoundedValue()
    {
        // The table (Inference README Appendix B) lists glibc 2.36 cosf/sinf values that are not correctly rounded:
        // each must be exactly one ulp from cos/sin (double, rounded to float) of θ = f32(f16(f32(2π·k/2048))). A
        // mistyped entry fails here.
        Assert.Equal(53, LegacyHalfBoxMuller.GlibcExceptions.Length);
        foreach (var (key, isSin, bits) in LegacyHalfBoxMuller.GlibcExceptions)
        {
            var theta = (double)(float)(Half)(float)(6.283185307179586 * key / 2048);
            var correctlyRounded = (float)(isSin ? Math.Sin(theta) : Math.Cos(theta));
            var distance = Math.Abs(BitConverter.SingleToInt32Bits(correctlyRounded) - (int)bits);
            Assert.True(distance == 1, $"k2 = {key} {(isSin ? "sin" : "cos")}: glibc 0x{bits:X8} is {distance} ulp from 0x{BitConverter.SingleToUInt32Bits(correctlyRounded):X8}.");
        }
    }

    [Fact]
    public void Table_OverriddenEntries_HoldGlibcValues()
    {
        var table = LegacyHalfBoxMuller.Table;
        foreach (var (key, isSin, bits) in LegacyHalfBoxMuller.GlibcExceptions)
            Assert.Equal(bits, BitConverter.SingleToUInt32Bits((isSin ? table.Sin : table.Cos)[key]));
        Assert.Equal(0f, table.Radius[0]);   // u1 = 1 → r = 0
        Assert.Equal((float)(Half)MathF.Sqrt(-2f * MathF.Log(1f / 2048)), table.Radius[2047], 0f);
    }

    [Fact]
    public void TransformBlocks_ZeroKeys_GivePositiveZeros()
    {
        // k1 = 0 → r = f16(sqrtf(−2·0)) = −0; k2 = 256 → θ ≈ π/4, cos and sin > 0, so both products are −0 and
        // torch's "·1 + 0" makes them +0.
        var block = new ushort[16];
        block[8] = 256;

        LegacyHalfBoxMuller.TransformBlocks(block);

        Assert.Equal(0, block[0]);
        Assert.Equal(0, block[8]);
    }
}
