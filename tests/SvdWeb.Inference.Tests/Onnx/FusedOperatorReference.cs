namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// The com.microsoft operators' documented semantics (ONNX Runtime docs/ContribOperators.md), as plain loops in double
/// precision: the independent side of <see cref="FusedOperatorDecompositionTests"/>.
/// </summary>
internal static class FusedOperatorReference
{
    /// <summary>GroupNorm: y = γ·(x − mean)/√(var + ε) + β over each group of channels, then SiLU when asked.</summary>
    public static float[] GroupNorm(float[] x, int n, int c, int h, int w, bool channelsLast, float[] gamma, float[] beta,
        int groups, float epsilon, bool silu)
    {
        int Index(int b, int ch, int y, int xx) => channelsLast ? ((b * h + y) * w + xx) * c + ch : ((b * c + ch) * h + y) * w + xx;
        var output = new float[x.Length];
        var perGroup = c / groups;
        for (var b = 0; b < n; b++)
        {
            for (var g = 0; g < groups; g++)
            {
                double sum = 0, squares = 0;
                var count = perGroup * h * w;
                for (var ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
                    for (var y = 0; y < h; y++)
                        for (var xx = 0; xx < w; xx++)
                            sum += x[Index(b, ch, y, xx)];
                var mean = sum / count;
                for (var ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
                    for (var y = 0; y < h; y++)
                        for (var xx = 0; xx < w; xx++)
                            squares += Math.Pow(x[Index(b, ch, y, xx)] - mean, 2);
                var std = Math.Sqrt(squares / count + epsilon);
                for (var ch = g * perGroup; ch < (g + 1) * perGroup; ch++)
                    for (var y = 0; y < h; y++)
                        for (var xx = 0; xx < w; xx++)
                        {
                            var i = Index(b, ch, y, xx);
                            var v = gamma[ch] * (x[i] - mean) / std + beta[ch];
                            output[i] = (float)(silu ? v / (1 + Math.Exp(-v)) : v);
                        }
            }
        }
        return output;
    }

    /// <summary>GELU, exact (erf) form.</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>BiasSplitGelu: with y = x + bias over the last axis of size d, left · GELU(right) for the two halves.</summary>
    public static float[] BiasSplitGelu(float[] x, float[] bias, int rows, int d)
    {
        var output = new float[rows * d / 2];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < d / 2; j++)
            {
                var left = x[r * d + j] + (double)bias[j];
                var right = x[r * d + d / 2 + j] + (double)bias[d / 2 + j];
                output[r * d / 2 + j] = (float)(left * Gelu(right));
            }
        return output;
    }

    /// <summary>NhwcConv: X [N, H, W, C], W [M, kH, kW, C/group], zero padding, output [N, H', W', M].</summary>
    public static float[] NhwcConv(float[] x, int n, int h, int w, int c, float[] weight, int m, int kh, int kw, float[] bias,
        int group, int pad, int stride)
    {
        var oh = (h + 2 * pad - kh) / stride + 1;
        var ow = (w + 2 * pad - kw) / stride + 1;
        var cPerGroup = c / group;
        var mPerGroup = m / group;
        var output = new float[n * oh * ow * m];
        for (var b = 0; b < n; b++)
            for (var oy = 0; oy < oh; oy++)
                for (var ox = 0; ox < ow; ox++)
                    for (var oc = 0; oc < m; oc++)
                    {
                        double sum = bias[oc];
                        var g = oc / mPerGroup;
                        for (var ky = 0; ky < kh; ky++)
                            for (var kx = 0; kx < kw; kx++)
                            {
                                var iy = oy * stride - pad + ky;
                                var ix = ox * stride - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                for (var ic = 0; ic < cPerGroup; ic++)
                                    sum += x[((b * h + iy) * w + ix) * c + g * cPerGroup + ic] * (double)weight[((oc * kh + ky) * kw + kx) * cPerGroup + ic];
                            }
                        output[((b * oh + oy) * ow + ox) * m + oc] = (float)sum;
                    }
        return output;
    }

    /// <summary>erf to about 1e-15 (its Taylor series for |x| &lt; 3, the continued fraction of erfc beyond).</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) >= 3)
        {
            // erfc(x) = exp(−x²)/(x√π) · 1/(1 + 1/(2x²)/(1 + 2/(2x²)/(1 + …))), evaluated from the tail.
            var ax = Math.Abs(x);
            double fraction = 0;
            for (var k = 60; k >= 1; k--) fraction = k / 2.0 / (ax * ax) / (1 + fraction);
            var erfc = Math.Exp(-ax * ax) / (ax * Math.Sqrt(Math.PI)) / (1 + fraction);
            return Math.Sign(x) * (1 - erfc);
        }
        double term = x, total = x;
        for (var k = 1; k < 200; k++)
        {
            term *= -x * x / k;
            var next = term / (2 * k + 1);
            total += next;
            if (Math.Abs(next) < 1e-17) break;
        }
        return 2 / Math.Sqrt(Math.PI) * total;
    }
}
