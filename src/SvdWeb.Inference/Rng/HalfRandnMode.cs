namespace SvdWeb.Inference.Rng;

/// <summary>
/// Which torch algorithm a float16 <c>randn</c> reproduces (Inference README §6.6). The two give completely different
/// values, so a float16 reference run must record its torch version.
/// </summary>
public enum HalfRandnMode
{
    /// <summary>
    /// torch before PR #179834 (April 2026; 1.13.1 and 2.7.1 confirmed, the fixtures' goldens): 11-bit uniforms and
    /// Box–Muller in half arithmetic with float libm calls. Not float32 randn cast to half.
    /// </summary>
    Legacy,

    /// <summary>
    /// torch after PR #179834 (2.12 or 2.13 onward): per 16-block, 24-bit uniforms and the float32 AVX2 Box–Muller,
    /// then cast to half. For a multiple of 16 values this is float32 randn cast to half; a tail block is drawn
    /// right after the whole blocks instead of after all values.
    /// </summary>
    New,
}
