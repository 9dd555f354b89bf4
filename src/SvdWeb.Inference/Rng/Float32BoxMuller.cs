using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SvdWeb.Inference.Rng;

/// <summary>
/// torch's float32 block Box–Muller as its AVX2 kernel computes it (Inference README §6.5; torch
/// aten/src/ATen/native/cpu/DistributionTemplates.h normal_fill_16_AVX2 with log256_ps/sincos256_ps of
/// avx_mathfun.h, built by GCC with FMA contraction). Each block of 16 uniforms d becomes, for j = 0..7,
/// d[j] = r·cos θ and d[j+8] = r·sin θ with r = sqrt(−2 ln(1 − d[j])), θ = f32(2π)·d[j+8].
///
/// Policy: every float operation is written out one by one, in the README listing's order. A `fma` there is
/// MathF.FusedMultiplyAdd / Vector256.FusedMultiplyAdd (one rounding); everything else rounds on its own (RyuJIT
/// never contracts a*b+c). The vector path runs the same operations on the 8 lanes j = 0..7 of a block, exactly
/// like torch's __m256 code, so both paths give identical bits (checked by the tests on million-value draws).
/// This is the x86-64 AVX2 variant that every Linux x86-64 torch uses; torch's non-AVX2 libm kernel differs in the
/// last bits of about a third of the values (fixtures golden/randn/scalar_kernel) and is not reproduced.
/// </summary>
internal static class Float32BoxMuller
{
    internal const int BlockSize = 16;

    private const float TwoPi = 6.2831855f;                  // f32(2π) = 0x40C90FDB
    private const float SqrtHalf = 0.707106781186547524f;    // Cephes SQRTHF
    private const float LogP0 = 7.0376836292E-2f;
    private const float LogP1 = -1.1514610310E-1f;
    private const float LogP2 = 1.1676998740E-1f;
    private const float LogP3 = -1.2420140846E-1f;
    private const float LogP4 = 1.4249322787E-1f;
    private const float LogP5 = -1.6668057665E-1f;
    private const float LogP6 = 2.0000714765E-1f;
    private const float LogP7 = -2.4999993993E-1f;
    private const float LogP8 = 3.3333331174E-1f;
    private const float LogQ1 = -2.12194440e-4f;
    private const float LogQ2 = 0.693359375f;
    private const float FourOverPi = 1.27323954473516f;
    private const float MinusDp1 = -0.78515625f;
    private const float MinusDp2 = -2.4187564849853515625e-4f;
    private const float MinusDp3 = -3.77489497744594108e-8f;
    private const float CosP0 = 2.443315711809948E-5f;
    private const float CosP1 = -1.388731625493765E-3f;
    private const float CosP2 = 4.166664568298827E-2f;
    private const float SinP0 = -1.9515295891E-4f;
    private const float SinP1 = 8.3321608736E-3f;
    private const float SinP2 = -1.6666654611E-1f;

    /// <summary>True where the 8-lane path runs (AVX with FMA): Vector256.FusedMultiplyAdd is then one instruction.</summary>
    public static bool IsVectorized => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>Transforms every full 16-block of <paramref name="data"/> in place (data.Length must be a multiple of 16).</summary>
    public static void TransformBlocks(Span<float> data)
    {
        if (IsVectorized)
            TransformBlocksVector(data);
        else
            TransformBlocksScalar(data);
    }

    internal static void TransformBlocksScalar(Span<float> data)
    {
        CheckWholeBlocks(data.Length);
        for (var b = 0; b < data.Length; b += BlockSize)
        {
            var block = data.Slice(b, BlockSize);
            for (var j = 0; j < BlockSize / 2; j++)
            {
                var u1 = 1f - block[j];
                var u2 = block[j + 8];
                var radius = MathF.Sqrt(-2f * LogAvx(u1));
                SinCosAvx(TwoPi * u2, out var sin, out var cos);
                // torch stores fma(term, std=1, mean=0): the value itself, except −0 becomes +0.
                block[j] = (radius * cos) + 0f;
                block[j + 8] = (radius * sin) + 0f;
            }
        }
    }

    internal static void TransformBlocksVector(Span<float> data)
    {
        CheckWholeBlocks(data.Length);
        ref var d = ref MemoryMarshal.GetReference(data);
        for (nuint b = 0; b < (nuint)data.Length; b += BlockSize)
        {
            var u1 = Vector256<float>.One - Vector256.LoadUnsafe(ref d, b);
            var u2 = Vector256.LoadUnsafe(ref d, b + 8);
            var radius = Vector256.Sqrt(Vector256.Create(-2f) * LogAvx(u1));
            SinCosAvx(Vector256.Create(TwoPi) * u2, out var sin, out var cos);
            ((radius * cos) + Vector256<float>.Zero).StoreUnsafe(ref d, b);
            ((radius * sin) + Vector256<float>.Zero).StoreUnsafe(ref d, b + 8);
        }
    }

    /// <summary>log256_ps for one lane (Inference README §6.5, "ln(u1)"), u1 in [2^-24, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float LogAvx(float u1)
    {
        var bits = BitConverter.SingleToUInt32Bits(u1);
        var exponent = (float)((int)(bits >> 23) - 127) + 1f;
        var x = BitConverter.UInt32BitsToSingle((bits & 0x807FFFFF) | 0x3F000000);   // mantissa in [0.5, 1)
        if (x < SqrtHalf)
        {
            exponent -= 1f;
            x = (x - 1f) + x;
        }
        else
        {
            x = (x - 1f) + 0f;
        }
        var z = x * x;
        var y = LogP0;
        y = MathF.FusedMultiplyAdd(y, x, LogP1);
        y = MathF.FusedMultiplyAdd(y, x, LogP2);
        y = MathF.FusedMultiplyAdd(y, x, LogP3);
        y = MathF.FusedMultiplyAdd(y, x, LogP4);
        y = MathF.FusedMultiplyAdd(y, x, LogP5);
        y = MathF.FusedMultiplyAdd(y, x, LogP6);
        y = MathF.FusedMultiplyAdd(y, x, LogP7);
        y = MathF.FusedMultiplyAdd(y, x, LogP8);
        y *= x;
        y = MathF.FusedMultiplyAdd(y, z, exponent * LogQ1);   // e·q1 rounded first, then fused with y·z
        y -= z * 0.5f;
        return MathF.FusedMultiplyAdd(exponent, LogQ2, x + y);
    }

    /// <summary>sincos256_ps for one lane, θ in [0, 2π).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SinCosAvx(float theta, out float sin, out float cos)
    {
        var q = (int)(theta * FourOverPi);   // truncation, like _mm256_cvttps_epi32
        q = (q + 1) & ~1;
        var yq = (float)q;
        var x = MathF.FusedMultiplyAdd(yq, MinusDp1, theta);
        x = MathF.FusedMultiplyAdd(yq, MinusDp2, x);
        x = MathF.FusedMultiplyAdd(yq, MinusDp3, x);
        var z = x * x;

        var polyCos = MathF.FusedMultiplyAdd(CosP0, z, CosP1);
        polyCos = MathF.FusedMultiplyAdd(polyCos, z, CosP2);
        polyCos *= z;
        polyCos = MathF.FusedMultiplyAdd(z, polyCos, -(z * 0.5f));
        polyCos += 1f;

        var polySin = MathF.FusedMultiplyAdd(SinP0, z, SinP1);
        polySin = MathF.FusedMultiplyAdd(polySin, z, SinP2);
        polySin *= z;
        polySin = MathF.FusedMultiplyAdd(x, polySin, x);

        if ((q & 2) == 0)
        {
            sin = polySin;
            cos = polyCos;
        }
        else
        {
            sin = polyCos;
            cos = polySin;
        }
        if ((q & 4) != 0)
            sin = -sin;
        if (((q - 2) & 4) == 0)
            cos = -cos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LogAvx(Vector256<float> u1)
    {
        var one = Vector256<float>.One;
        var bits = u1.AsUInt32();
        var exponent = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(bits, 23).AsInt32() - Vector256.Create(127)) + one;
        var x = ((bits & Vector256.Create(0x807FFFFFu)) | Vector256.Create(0x3F000000u)).AsSingle();
        var below = Vector256.LessThan(x, Vector256.Create(SqrtHalf));
        var masked = x & below;                    // x where below, +0 elsewhere
        x -= one;
        exponent -= one & below;
        x += masked;
        var z = x * x;
        var y = Vector256.Create(LogP0);
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP1));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP2));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP3));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP4));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP5));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP6));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP7));
        y = Vector256.FusedMultiplyAdd(y, x, Vector256.Create(LogP8));
        y *= x;
        y = Vector256.FusedMultiplyAdd(y, z, exponent * Vector256.Create(LogQ1));
        y -= z * Vector256.Create(0.5f);
        return Vector256.FusedMultiplyAdd(exponent, Vector256.Create(LogQ2), x + y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SinCosAvx(Vector256<float> theta, out Vector256<float> sin, out Vector256<float> cos)
    {
        var q = Vector256.ConvertToInt32(theta * Vector256.Create(FourOverPi));
        q = (q + Vector256<int>.One) & Vector256.Create(~1);
        var yq = Vector256.ConvertToSingle(q);
        var x = Vector256.FusedMultiplyAdd(yq, Vector256.Create(MinusDp1), theta);
        x = Vector256.FusedMultiplyAdd(yq, Vector256.Create(MinusDp2), x);
        x = Vector256.FusedMultiplyAdd(yq, Vector256.Create(MinusDp3), x);
        var z = x * x;

        var polyCos = Vector256.FusedMultiplyAdd(Vector256.Create(CosP0), z, Vector256.Create(CosP1));
        polyCos = Vector256.FusedMultiplyAdd(polyCos, z, Vector256.Create(CosP2));
        polyCos *= z;
        polyCos = Vector256.FusedMultiplyAdd(z, polyCos, -(z * Vector256.Create(0.5f)));
        polyCos += Vector256<float>.One;

        var polySin = Vector256.FusedMultiplyAdd(Vector256.Create(SinP0), z, Vector256.Create(SinP1));
        polySin = Vector256.FusedMultiplyAdd(polySin, z, Vector256.Create(SinP2));
        polySin *= z;
        polySin = Vector256.FusedMultiplyAdd(x, polySin, x);

        var sinIsSinPoly = Vector256.Equals(q & Vector256.Create(2), Vector256<int>.Zero).AsSingle();
        var signSin = Vector256.ShiftLeft(q & Vector256.Create(4), 29).AsSingle();
        var signCos = Vector256.ShiftLeft(~(q - Vector256.Create(2)) & Vector256.Create(4), 29).AsSingle();
        sin = Vector256.ConditionalSelect(sinIsSinPoly, polySin, polyCos) ^ signSin;
        cos = Vector256.ConditionalSelect(sinIsSinPoly, polyCos, polySin) ^ signCos;
    }

    private static void CheckWholeBlocks(int length)
    {
        if (length % BlockSize != 0)
            throw new ArgumentException($"Box–Muller works on whole blocks of {BlockSize}; got {length} values.", nameof(length));
    }
}
