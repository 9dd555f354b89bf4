using SvdWeb.Inference.Rng;

namespace SvdWeb.Inference.Tests.Rng;

/// <summary>The 8-lane and the scalar float32 kernels must give the same bits (Inference README §6.5 op for op in both).</summary>
public sealed class Float32BoxMullerTests
{
    [Fact]
    public void TransformBlocks_VectorAndScalarOnSvdNoiseUniforms_GiveIdenticalBits()
    {
        Assert.SkipUnless(Float32BoxMuller.IsVectorized, "No AVX+FMA here: only the scalar path runs.");
        // The uniforms of a 576x1024 noise draw (1,769,472 values), plus the extremes of the uniform grid.
        var uniforms = new float[3 * 576 * 1024];
        new TorchGenerator(42).Uniform(uniforms);
        float[] extremes = [0f, 1f - (1f / 16777216f), 1f / 16777216f, 0.5f, 0.25f, 0.75f, 0.125f, 0.875f];
        extremes.CopyTo(uniforms, 0);
        extremes.CopyTo(uniforms, 8);
        var scalar = (float[])uniforms.Clone();
        var vector = (float[])uniforms.Clone();

        Float32BoxMuller.TransformBlocksScalar(scalar);
        Float32BoxMuller.TransformBlocksVector(vector);

        var differing = 0;
        var first = -1;
        for (var i = 0; i < scalar.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(scalar[i]) == BitConverter.SingleToInt32Bits(vector[i]))
                continue;
            differing++;
            if (first < 0)
                first = i;
        }
        Assert.True(differing == 0, $"{differing} values differ; first at {first}: scalar {(first < 0 ? 0 : scalar[first]):R}, vector {(first < 0 ? 0 : vector[first]):R}.");
    }

    [Fact]
    public void TransformBlocks_ZeroUniform_GivesPositiveZeros()
    {
        // u = 0 → u1 = 1 → L = +0 and r = sqrt(−0) = −0, so r·cos θ and r·sin θ are −0 for θ = π/4; torch's final
        // fma(term, 1, 0) makes both +0.
        var block = new float[16];
        block[8] = 0.125f;
        var scalar = (float[])block.Clone();
        var vector = (float[])block.Clone();

        Float32BoxMuller.TransformBlocksScalar(scalar);
        if (Float32BoxMuller.IsVectorized)
            Float32BoxMuller.TransformBlocksVector(vector);
        else
            Float32BoxMuller.TransformBlocksScalar(vector);

        Assert.Equal(0, BitConverter.SingleToInt32Bits(scalar[0]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(scalar[8]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(vector[0]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(vector[8]));
    }

    [Fact]
    public void LogAvx_PowersOfTwo_AreCloseToTheTrueLog()
    {
        // Sanity of the transcription: the Cephes polynomial is within a few ulp of ln for these exact inputs.
        foreach (var exponent in new[] { 0, -1, -2, -10, -24 })
        {
            var x = MathF.Pow(2f, exponent);
            Assert.Equal(exponent * Math.Log(2), Float32BoxMuller.LogAvx(x), 1e-6 * Math.Max(1, -exponent));
        }
    }

    [Fact]
    public void SinCosAvx_AcrossOneTurn_IsCloseToTheTrueValues()
    {
        for (var k = 0; k < 64; k++)
        {
            var theta = 6.2831855f * k / 64f;
            Float32BoxMuller.SinCosAvx(theta, out var sin, out var cos);
            Assert.Equal(Math.Sin(theta), sin, 3e-7);
            Assert.Equal(Math.Cos(theta), cos, 3e-7);
        }
    }
}
