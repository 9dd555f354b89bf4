namespace SvdWeb.Inference.Rng;

/// <summary>
/// float16 block Box–Muller of torch before PR #179834 (Inference README §6.6, "Legacy"; torch 1.13.1
/// aten/src/ATen/native/cpu/DistributionTemplates.h normal_fill_16 instantiated for c10::Half). torch computes in
/// half with float libm calls:
///   u1 = f16(1 − u), r = f16(sqrtf(−2·logf(u1))), θ = f16(f32(2π_double·u2)),
///   out = f16(f32(r)·cosf(f32(θ))·1 + 0)  (and sinf),
/// where u = (word &amp; 0x7FF)/2048. Each output therefore depends only on two 11-bit keys: k1 (word j) picks the
/// radius and k2 (word j+8) the angle. We tabulate R[k1], C[k2], S[k2] once, without libm's float functions: the
/// radius from a double log rounded to float (equal to glibc's logf for the half radius at all 2048 keys), cos/sin
/// in double rounded to float, then the 53 keys where glibc 2.36's cosf/sinf are not correctly rounded are set to
/// glibc's values (Inference README Appendix B). That recipe matched torch with zero differences on 1.7 M values.
/// </summary>
internal static class LegacyHalfBoxMuller
{
    internal const int KeyCount = 2048;   // 11-bit uniforms
    internal const int KeyMask = KeyCount - 1;

    /// <summary>(k2, is sine, glibc's float32 bits) — Inference README Appendix B, glibc 2.36 cosf/sinf.</summary>
    internal static readonly (int Key, bool IsSin, uint Bits)[] GlibcExceptions =
    [
        (51, true, 0x3E1F98C2), (88, true, 0x3E88937E), (111, true, 0x3EAB0603), (126, true, 0x3EC0FC5E),
        (182, true, 0x3F07ADB3), (197, true, 0x3F117F03), (228, true, 0x3F24DCC4), (270, true, 0x3F3C960E),
        (275, false, 0x3F2A2789), (292, false, 0x3F1FEF0D), (311, false, 0x3F140E37), (325, false, 0x3F0AF2A9),
        (335, false, 0x3F046049), (416, false, 0x3E949442), (421, false, 0x3E8CE7D3), (568, false, 0xBE2EA587),
        (585, false, 0xBE639685), (587, false, 0xBE696F18), (666, false, 0xBEE8DE70), (674, false, 0xBEF45EC3),
        (695, false, 0xBF086BB2), (702, false, 0xBF0D0AF8), (767, false, 0xBF3488A4), (789, true, 0x3F291FB2),
        (806, true, 0x3F1EC248), (858, true, 0x3EF966C7), (935, true, 0x3E89C6AB), (955, true, 0x3E575EDE),
        (968, true, 0x3E2E23F2), (988, true, 0x3DE18602), (1076, true, 0xBE225250), (1093, true, 0xBE57636F),
        (1198, true, 0xBF02572F), (1221, true, 0xBF117F7E), (1245, true, 0xBF20B750), (1277, true, 0xBF3360FA),
        (1353, false, 0xBF07FE54), (1354, false, 0xBF07FE54), (1355, false, 0xBF07252C), (1608, false, 0x3E60ABC2),
        (1623, false, 0x3E879E64), (1624, false, 0x3E879E64), (1649, false, 0x3EADBCB1), (1691, false, 0x3EEA3534),
        (1768, false, 0x3F2786EE), (1769, false, 0x3F2786EE), (1773, false, 0x3F2A87F5), (1774, false, 0x3F2A87F5),
        (1821, true, 0xBF246157), (1919, true, 0xBEC5B6F3), (1978, true, 0xBE5856D5), (1979, true, 0xBE5856D5),
        (2003, true, 0xBE0D86FB),
    ];

    private static readonly Lazy<Tables> SharedTables = new(BuildTables);

    internal static Tables Table => SharedTables.Value;

    /// <summary>
    /// Transforms whole 16-blocks in place. On entry each element holds its 11-bit key (the low bits of its word) as
    /// raw ushort bits; on exit it holds the half normal.
    /// </summary>
    public static void TransformBlocks(Span<ushort> keysInHalfOut)
    {
        var tables = Table;
        var radius = tables.Radius;
        var cos = tables.Cos;
        var sin = tables.Sin;
        for (var b = 0; b + 16 <= keysInHalfOut.Length; b += 16)
        {
            var block = keysInHalfOut.Slice(b, 16);
            for (var j = 0; j < 8; j++)
            {
                var r = radius[block[j] & KeyMask];
                var angle = block[j + 8] & KeyMask;
                // (r·cos)·1 + 0 in float, then stored as half: "+ 0" turns −0 (r = 0, cos < 0) into +0.
                block[j] = BitConverter.HalfToUInt16Bits((Half)((r * cos[angle]) + 0f));
                block[j + 8] = BitConverter.HalfToUInt16Bits((Half)((r * sin[angle]) + 0f));
            }
        }
    }

    private static Tables BuildTables()
    {
        var radius = new float[KeyCount];
        var cos = new float[KeyCount];
        var sin = new float[KeyCount];
        for (var k = 0; k < KeyCount; k++)
        {
            // u1 = 1 − k/2048 is exact in half; r = f16(sqrtf(−2·logf(u1))).
            var u1 = 1f - (k / (float)KeyCount);
            var logU1 = (float)Math.Log(u1);
            radius[k] = (float)(Half)MathF.Sqrt(-2f * logU1);

            // θ = f16(f32(2π_double · u2)) with u2 = k/2048; the angle tables are cos/sin of f32(θ).
            var theta = (double)(float)(Half)(float)(6.283185307179586 * k / KeyCount);
            cos[k] = (float)Math.Cos(theta);
            sin[k] = (float)Math.Sin(theta);
        }
        foreach (var (key, isSin, bits) in GlibcExceptions)
            (isSin ? sin : cos)[key] = BitConverter.UInt32BitsToSingle(bits);
        return new Tables(radius, cos, sin);
    }

    /// <summary>R[k1] (half radius widened to float), C[k2] and S[k2] (float cosf/sinf of the half angle).</summary>
    internal sealed record Tables(float[] Radius, float[] Cos, float[] Sin);
}
