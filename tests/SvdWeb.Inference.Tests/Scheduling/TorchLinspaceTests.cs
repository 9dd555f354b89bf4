using System.Globalization;
using SvdWeb.Inference.Scheduling;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Scheduling;

public sealed class TorchLinspaceTests
{
    [Fact]
    public void Float32_14FramesDefaultGuidance_MatchesTorchBits()
    {
        // Inference README §4.8: torch 1.13.1 linspace(1.0, 3.0, 14) (SVD, 14 frames); all scalar FMA elements.
        uint[] expected =
        [
            0x3F800000, 0x3F93B13B, 0x3FA76276, 0x3FBB13B1, 0x3FCEC4EC, 0x3FE27628, 0x3FF62763, 0x4004EC4F,
            0x400EC4EC, 0x40189D8A, 0x40227627, 0x402C4EC5, 0x40362762, 0x40400000,
        ];

        AssertBits(expected, TorchLinspace.Float32(1f, 3f, 14));
    }

    [Fact]
    public void Float32_25FramesDefaultGuidance_MatchesTorchBits()
    {
        // Inference README §4.8: linspace(1.0, 3.0, 25) (SVD-XT, 25 frames); 8-lane blocks at 0 and 8, scalars from 16.
        uint[] expected =
        [
            0x3F800000, 0x3F8AAAAB, 0x3F955555, 0x3FA00000, 0x3FAAAAAB, 0x3FB55556, 0x3FC00000, 0x3FCAAAAB,
            0x3FD55556, 0x3FE00001, 0x3FEAAAAB, 0x3FF55556, 0x40000000, 0x40055556, 0x400AAAAB, 0x40100000,
            0x40155555, 0x401AAAAB, 0x40200000, 0x40255555, 0x402AAAAB, 0x40300000, 0x40355555, 0x403AAAAB,
            0x40400000,
        ];

        AssertBits(expected, TorchLinspace.Float32(1f, 3f, 25));
    }

    [Fact]
    public void Float32_25Frames_DiffersFromNaiveFormula()
    {
        // Guards the reason this class exists: start + i·step is 1 ulp off at some frames.
        var torch = TorchLinspace.Float32(1f, 3f, 25);
        var step = 2f / 24;
        var naiveDiffers = Enumerable.Range(0, 25).Count(i => torch[i] != 1f + i * step);

        Assert.True(naiveDiffers > 0, "The naive linspace matched torch everywhere; the test data no longer shows the difference.");
    }

    public static TheoryData<string> PipelineCases() => new("A", "B", "C");

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void Float32_PipelineCaseGuidance_MatchesGoldenBits(string caseName)
    {
        var kwargs = Fixtures.Manifest.GetProperty("pipeline").GetProperty("cases").GetProperty(caseName)
            .GetProperty("call").GetProperty("kwargs");
        var min = (float)kwargs.GetProperty("min_guidance_scale").GetDouble();
        var max = (float)kwargs.GetProperty("max_guidance_scale").GetDouble();
        var frames = kwargs.GetProperty("num_frames").GetInt32();
        var golden = Fixtures.Golden($"pipeline/{caseName}/guidance_scale.npy");   // [1, F, 1, 1, 1]

        var actual = TorchLinspace.Float32(min, max, frames);

        TensorAssert.BitExact($"guidance_scale case {caseName}", golden.ToFloat32(), golden.Shape, actual);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(100)]
    public void Float32_AnyLength_EndpointsExactAndMonotone(int steps)
    {
        // Lengths whose last element is a scalar one (count mod 16 != 0): torch's halves meet in the middle, so both
        // ends are exact. (With a multiple of 16 the last element is lane 7 of a block, base + 7·step.)
        var values = TorchLinspace.Float32(0.3f, 7.1f, steps);

        Assert.Equal(0.3f, values[0]);
        Assert.Equal(7.1f, values[^1]);
        for (var i = 1; i < steps; i++)
            Assert.True(values[i] > values[i - 1], string.Create(CultureInfo.InvariantCulture, $"values[{i}] = {values[i]} is not above values[{i - 1}] = {values[i - 1]}."));
    }

    [Fact]
    public void Float32_OneStep_ReturnsStart() => Assert.Equal([2.5f], TorchLinspace.Float32(2.5f, 9f, 1));

    [Fact]
    public void Float32_ZeroSteps_ReturnsEmpty() => Assert.Empty(TorchLinspace.Float32(1f, 3f, 0));

    [Fact]
    public void Float32_NegativeSteps_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchLinspace.Float32(1f, 3f, -1));

    private static void AssertBits(uint[] expected, float[] actual)
    {
        var expectedFloats = Array.ConvertAll(expected, BitConverter.UInt32BitsToSingle);
        TensorAssert.BitExact("linspace", expectedFloats, [expected.Length], actual);
    }
}
