using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference.Tests.Rng;

/// <summary>Seeding, the raw word stream, the cached double normal, and the torch vectors of Inference README Appendix A.</summary>
public sealed class TorchGeneratorTests
{
    private const int NoiseCount = 3 * 576 * 1024;            // randn([1,3,576,1024]): 1,769,472 words
    private const int Latents25Count = 25 * 4 * 72 * 128;     // randn([1,25,4,72,128]): 921,600
    private const int Latents14Count = 14 * 4 * 72 * 128;     // randn([1,14,4,72,128]): 516,096

    [Fact]
    public void NextUInt32_Seed42AndSeed0_MatchTorchFirstWords()
    {
        // Inference README §6.2: seed 42 → 5FE1DC66 CBEA3DB3 F362035C 2EF5950E; seed 0 → 8C7F0AAC 97C4AA2F.
        var seed42 = new TorchGenerator(42);
        var seed0 = new TorchGenerator(0);

        Assert.Equal([0x5FE1DC66u, 0xCBEA3DB3u, 0xF362035Cu, 0x2EF5950Eu], Enumerable.Range(0, 4).Select(_ => seed42.NextUInt32()));
        Assert.Equal([0x8C7F0AACu, 0x97C4AA2Fu], Enumerable.Range(0, 2).Select(_ => seed0.NextUInt32()));
    }

    [Fact]
    public void NextUInt64_Seed42_FirstWordIsTheHighHalf()
    {
        var generator = new TorchGenerator(42);

        Assert.Equal(0x5FE1DC66_CBEA3DB3UL, generator.NextUInt64());
        Assert.Equal(0xF362035C_2EF5950EUL, generator.NextUInt64());
    }

    [Fact]
    public void Constructor_SeedsDifferingAbove32Bits_GiveTheSameStream()
    {
        var aliased = new TorchGenerator((1UL << 32) + 7);
        var plain = new TorchGenerator(7);

        Assert.Equal(Draw(plain, 37), Draw(aliased, 37));
        Assert.Equal((1UL << 32) + 7, aliased.InitialSeed);
    }

    [Fact]
    public void FromSeed_MinusOne_EqualsTwoPow64MinusOne()
    {
        var negative = TorchGenerator.FromSeed(-1);
        var unsigned = new TorchGenerator(ulong.MaxValue);

        Assert.Equal(ulong.MaxValue, negative.InitialSeed);
        Assert.Equal(Draw(unsigned, 37), Draw(negative, 37));
        Assert.NotEqual(Draw(new TorchGenerator(0), 37), Draw(TorchGenerator.FromSeed(-1), 37));
    }

    [Fact]
    public void Randn_Seed0Sixteen_MatchesAppendixABits()
    {
        uint[] expected =
        [
            0xBF901B85, 0xBF93808A, 0xBE804BD6, 0xBEDE255D, 0x3F594515, 0x3F312783, 0xBEA1CC6D, 0xC0075FC1,
            0x3EA50138, 0xBFA1B4F4, 0x3EB330FF, 0x3E9DC3BB, 0x3DF56F77, 0x3F9E6B93, 0x3F8EF28E, 0xBE7D367C,
        ];

        Assert.Equal(expected, Bits(Draw(new TorchGenerator(0), 16)));
    }

    [Fact]
    public void Randn_Seed0Five_TakesTheDoublePathOfAppendixA()
    {
        // numel < 16: serial normal_distribution<double>, rounded to float (printed by torch with 8 digits).
        float[] expected = [1.5409961f, -0.29342890f, -2.1787894f, 0.56843126f, -1.0845224f];

        Assert.Equal(expected, Draw(new TorchGenerator(0), 5));
    }

    [Fact]
    public void Randn_SmallDrawsInARow_ShareTheCachedNormal()
    {
        // The r·sin θ of an odd-length small draw is cached in the generator and opens the next small draw.
        var oneCall = Draw(new TorchGenerator(0), 5);
        var split = new TorchGenerator(0);
        var first = Draw(split, 3);
        var second = Draw(split, 2);

        Assert.Equal(oneCall, first.Concat(second).ToArray());
    }

    [Fact]
    public void ManualSeed_AfterOddSmallDraw_ClearsTheCachedNormal()
    {
        var generator = new TorchGenerator(0);
        Draw(generator, 1);   // leaves r·sin θ cached
        generator.ManualSeed(0);

        Assert.Equal(Draw(new TorchGenerator(0), 5), Draw(generator, 5));
    }

    [Fact]
    public void Uniform_Seed42_MatchesAppendixABits()
    {
        var values = new float[4];
        new TorchGenerator(42).Uniform(values);

        Assert.Equal([0x3F61DC66u, 0x3F6A3DB3u, 0x3EC406B8u, 0x3F75950Eu], Bits(values));
    }

    [Fact]
    public void Randn_Svd576x1024NoiseThen25FrameLatents_MatchAppendixA()
    {
        var generator = new TorchGenerator(42);
        var noise = Draw(generator, NoiseCount);
        var latents = Draw(generator, Latents25Count);

        Assert.Equal([0x3FF6A529u, 0x3FBE5F53u, 0x3F669567u, 0xC006C0DBu], Bits(noise[..4]));
        Assert.Equal(0x3F0A1F3Du, Bits(noise[^1..])[0]);
        Assert.Equal([0x3F425726u, 0xBE9C39BFu, 0xBF25412Fu, 0xC012A9F9u], Bits(latents[..4]));
        Assert.Equal(0xBE444CC1u, Bits(latents[^1..])[0]);
    }

    [Fact]
    public void Randn_Svd576x1024NoiseThen14FrameLatents_MatchAppendixA()
    {
        var generator = new TorchGenerator(42);
        Draw(generator, NoiseCount);
        var latents = Draw(generator, Latents14Count);

        Assert.Equal([0x3F425726u, 0xBE9C39BFu, 0xBF25412Fu, 0xC012A9F9u], Bits(latents[..4]));
    }

    [Fact]
    public void RandnHalfLegacy_Svd25FrameLatents_MatchAppendixA()
    {
        var generator = new TorchGenerator(42);
        Draw(generator, NoiseCount);
        var latents = new Half[Latents25Count];
        generator.Randn(latents, HalfRandnMode.Legacy);

        Assert.Equal([(ushort)0xBC05, 0xB44E, 0xB88E, 0x397E], HalfBits(latents[..4]));
        Assert.Equal(0xB96A, HalfBits(latents[^1..])[0]);
    }

    [Fact]
    public void RandnHalfNew_Svd25FrameLatents_MatchAppendixAAndCastFloat32()
    {
        var generator = new TorchGenerator(42);
        Draw(generator, NoiseCount);
        var latents = new Half[Latents25Count];
        generator.Randn(latents, HalfRandnMode.New);

        var reference = new TorchGenerator(42);
        Draw(reference, NoiseCount);
        var float32Latents = Draw(reference, Latents25Count);

        Assert.Equal([(ushort)0x3A13, 0xB4E2, 0xB92A, 0xC095], HalfBits(latents[..4]));
        // README §6.6, New: for numel % 16 == 0 it is float32 randn cast to half, element for element.
        Assert.Equal(HalfBits(Array.ConvertAll(float32Latents, f => (Half)f)), HalfBits(latents));
        Assert.Equal(reference.NextUInt32(), generator.NextUInt32());
    }

    [Fact]
    public void RandnHalfNew_Tail_DrawsTheLastBlockRightAfterTheWholeBlocks()
    {
        // README §6.6, New with numel = 37: blocks 0 and 16 as float32, then the tail block from words 32..47 (float32
        // would use words 37..52). Words 32..47 are block 32 of a float32 randn(48); the generator ends 48 words on.
        var generator = new TorchGenerator(42);
        var halves = new Half[37];
        generator.Randn(halves, HalfRandnMode.New);
        var float32Of37 = Draw(new TorchGenerator(42), 37);
        var reference48 = new TorchGenerator(42);
        var float32Of48 = Draw(reference48, 48);

        Assert.Equal(HalfBits(Array.ConvertAll(float32Of37[..21], f => (Half)f)), HalfBits(halves[..21]));
        Assert.Equal(HalfBits(Array.ConvertAll(float32Of48[32..], f => (Half)f)), HalfBits(halves[21..]));
        Assert.NotEqual(HalfBits(Array.ConvertAll(float32Of37[21..], f => (Half)f)), HalfBits(halves[21..]));
        Assert.Equal(reference48.NextUInt32(), generator.NextUInt32());
    }

    [Fact]
    public void RandnHalf_BelowSixteen_UsesTheDoublePathInBothModes()
    {
        var legacy = new Half[5];
        var modern = new Half[5];
        new TorchGenerator(0).Randn(legacy, HalfRandnMode.Legacy);
        new TorchGenerator(0).Randn(modern, HalfRandnMode.New);
        var expected = Array.ConvertAll(Draw(new TorchGenerator(0), 5), f => (Half)f);

        Assert.Equal(HalfBits(expected), HalfBits(legacy));
        Assert.Equal(HalfBits(expected), HalfBits(modern));
    }

    [Fact]
    public void RandnDouble_Seed0_SmallDrawRoundsToTheFloat32Values()
    {
        // float32 numel < 16 is this double path rounded to float; float64 numel ≥ 16 is block Box–Muller on U53.
        var doubles = new double[5];
        new TorchGenerator(0).Randn(doubles);
        var big = new double[37];
        new TorchGenerator(0).Randn(big);

        Assert.Equal(Draw(new TorchGenerator(0), 5), Array.ConvertAll(doubles, d => (float)d));
        Assert.All(big, d => Assert.True(double.IsFinite(d) && Math.Abs(d) < 10, $"{d} is not a plausible normal value"));
        Assert.NotEqual(doubles, big[..5]);
    }

    [Fact]
    public void Randn_Tail_ConsumesNumelPlusSixteenWords()
    {
        // README §6.5: a 37-value draw uses 37 words, then 16 more for the redrawn tail block.
        var drawn = new TorchGenerator(123);
        Draw(drawn, 37);
        var counted = new TorchGenerator(123);
        for (var i = 0; i < 37 + 16; i++)
            counted.NextUInt32();

        Assert.Equal(counted.NextUInt32(), drawn.NextUInt32());
    }

    private static float[] Draw(TorchGenerator generator, int count)
    {
        var values = new float[count];
        generator.Randn(values);
        return values;
    }

    private static uint[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToUInt32Bits);

    private static ushort[] HalfBits(Half[] values) => Array.ConvertAll(values, BitConverter.HalfToUInt16Bits);
}
