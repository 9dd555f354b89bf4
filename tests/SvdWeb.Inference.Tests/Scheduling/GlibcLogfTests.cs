using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference.Tests.Scheduling;

public sealed class GlibcLogfTests
{
    // (input, glibc 2.36 logf, correctly rounded ln) as float32 bits: inputs where glibc is NOT correctly rounded,
    // found by calling glibc's logf through ctypes on the research machine. The first is σ[16] of the 25-step schedule.
    [Theory]
    [InlineData(0x40113934u, 0x3F51C394u, 0x3F51C393u)]
    [InlineData(0x403A60B1u, 0x3F88D176u, 0x3F88D175u)]
    [InlineData(0x3F7A74E6u, 0xBCB35620u, 0xBCB35621u)]
    [InlineData(0x3F3B81B0u, 0xBE9F6B08u, 0xBE9F6B07u)]
    [InlineData(0x2F71ABF5u, 0xC1B1E80Du, 0xC1B1E80Eu)]
    [InlineData(0x3F99A4D7u, 0x3E3AFD6Du, 0x3E3AFD6Cu)]
    [InlineData(0x3F71933Bu, 0xBD6D8E3Au, 0xBD6D8E3Bu)]
    public void Log_InputWhereGlibcIsNotCorrectlyRounded_ReturnsGlibcValue(uint input, uint glibc, uint correctlyRounded)
    {
        var x = BitConverter.UInt32BitsToSingle(input);

        var actual = BitConverter.SingleToUInt32Bits(GlibcLogf.Log(x));

        Assert.Equal(correctlyRounded, BitConverter.SingleToUInt32Bits((float)Math.Log(x)));   // the case is real
        Assert.Equal(glibc, actual);
    }

    [Theory]
    [InlineData(0x00000001u, 0xC2CE8ED0u)]   // smallest subnormal
    [InlineData(0x00000400u, 0xC2C0B1E6u)]
    [InlineData(0x007FFFFFu, 0xC2AEAC50u)]   // largest subnormal
    [InlineData(0x00800000u, 0xC2AEAC50u)]   // smallest normal
    [InlineData(0x7F7FFFFFu, 0x42B17218u)]   // float.MaxValue
    [InlineData(0x3F7FFFFFu, 0xB3800000u)]   // just below 1
    [InlineData(0x3F800001u, 0x33FFFFFFu)]   // just above 1
    [InlineData(0x3B03126Fu, 0xC0C6DE12u)]   // σ_min of the SVD schedule
    [InlineData(0x442F0000u, 0x40D1A273u)]   // σ_max = 700
    public void Log_EdgeInputs_MatchGlibc(uint input, uint glibc) =>
        Assert.Equal(glibc, BitConverter.SingleToUInt32Bits(GlibcLogf.Log(BitConverter.UInt32BitsToSingle(input))));

    [Fact]
    public void Log_SpecialValues_FollowC99()
    {
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(GlibcLogf.Log(1f)));   // +0, not -0
        Assert.Equal(float.NegativeInfinity, GlibcLogf.Log(0f));
        Assert.Equal(float.NegativeInfinity, GlibcLogf.Log(-0f));
        Assert.Equal(float.PositiveInfinity, GlibcLogf.Log(float.PositiveInfinity));
        Assert.True(float.IsNaN(GlibcLogf.Log(-1f)));
        Assert.True(float.IsNaN(GlibcLogf.Log(float.NegativeInfinity)));
        Assert.True(float.IsNaN(GlibcLogf.Log(float.NaN)));
    }

    [Fact]
    public void Log_ManyInputs_WithinOneUlpOfCorrectlyRounded()
    {
        // glibc's documented bound is 0.82 ulp, so the rounded result is the correctly rounded one or a neighbour.
        var worst = 0;
        for (var bits = 0x00800000u; bits < 0x7F800000u; bits += 0x00012345u)
        {
            var x = BitConverter.UInt32BitsToSingle(bits);
            var expected = BitConverter.SingleToInt32Bits((float)Math.Log(x));
            var actual = BitConverter.SingleToInt32Bits(GlibcLogf.Log(x));
            worst = Math.Max(worst, Math.Abs(expected - actual));
        }
        Assert.True(worst <= 1, $"GlibcLogf is {worst} ulp from the correctly rounded log somewhere.");
    }
}
