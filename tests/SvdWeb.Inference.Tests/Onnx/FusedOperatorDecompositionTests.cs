using Microsoft.ML.OnnxRuntime.Tensors;
using SvdWeb.Inference.Onnx;
using static SvdWeb.Inference.Tests.Onnx.FusedGraphRunner;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// Each com.microsoft operator of ONNX Runtime's UNet fusions, alone in a graph, decomposed by the app for the CPU and
/// run by the real CPU ONNX Runtime, against <see cref="FusedOperatorReference"/> (loops over the documented semantics).
/// Shapes have several groups, several channels per group and more than one batch, so a layout or grouping mistake
/// changes values.
/// </summary>
public sealed class FusedOperatorDecompositionTests
{
    // float32 against a double-precision reference: a few ulps of the normalised values (|y| up to about 4).
    private const double Float32Tolerance = 2e-5;

    private const int N = 2, H = 3, W = 5, C = 8, Groups = 4;

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void GroupNorm_Decomposed_MatchesItsDefinition(bool channelsLast, bool silu)
    {
        long[] shape = channelsLast ? [N, H, W, C] : [N, C, H, W];
        var g = new OnnxGraphBuilder("group_norm");
        var x = g.Input("x", TensorElementType.Float, shape);
        var gamma = g.Input("gamma", TensorElementType.Float, C);
        var beta = g.Input("beta", TensorElementType.Float, C);
        var y = g.MicrosoftNode("GroupNorm", [x, gamma, beta], 1,
            ("activation", silu ? 1L : 0L), ("channels_last", channelsLast ? 1L : 0L), ("epsilon", 1e-5f), ("groups", (long)Groups))[0];
        g.Output("y", y, TensorElementType.Float, shape);
        var xs = Random(1, N * H * W * C, 3f);
        var gammas = Random(2, C);
        var betas = Random(3, C);

        var actual = RunDecomposed(g.Build(), half: false,
            [new("x", xs, shape), new("gamma", gammas, [C]), new("beta", betas, [C])], [("y", shape, TensorElementType.Float)])[0];

        AssertClose(FusedOperatorReference.GroupNorm(xs, N, C, H, W, channelsLast, gammas, betas, Groups, 1e-5f, silu), actual, Float32Tolerance);
    }

    [Fact]
    public void GroupNorm_ChannelsLastUnset_IsNhwcAsTheSchemaDefaults()
    {
        long[] shape = [N, H, W, C];
        var g = new OnnxGraphBuilder("group_norm_default_layout");
        var x = g.Input("x", TensorElementType.Float, shape);
        var gamma = g.Input("gamma", TensorElementType.Float, C);
        var beta = g.Input("beta", TensorElementType.Float, C);
        var y = g.MicrosoftNode("GroupNorm", [x, gamma, beta], 1, ("activation", 1L), ("groups", (long)Groups))[0];
        g.Output("y", y, TensorElementType.Float, shape);
        var xs = Random(4, N * H * W * C, 2f);
        var gammas = Random(5, C);
        var betas = Random(6, C);

        var actual = RunDecomposed(g.Build(), half: false,
            [new("x", xs, shape), new("gamma", gammas, [C]), new("beta", betas, [C])], [("y", shape, TensorElementType.Float)])[0];

        AssertClose(FusedOperatorReference.GroupNorm(xs, N, C, H, W, true, gammas, betas, Groups, 1e-5f, true), actual, Float32Tolerance);
    }

    [Fact]
    public void GroupNorm_Float16Graph_RunsOnTheCpuWithFloat32GammaAndBeta()
    {
        // ONNX Runtime's optimizer keeps γ and β in float32 in a float16 graph; the CPU has no float16 kernel for the ops
        // the decomposition uses, so its cast insertion runs them in float32 and the result is rounded to float16.
        long[] shape = [N, H, W, C];
        var g = new OnnxGraphBuilder("group_norm_half");
        var x = g.Input("x", TensorElementType.Float16, shape);
        var gamma = g.Input("gamma", TensorElementType.Float, C);
        var beta = g.Input("beta", TensorElementType.Float, C);
        var y = g.MicrosoftNode("GroupNorm", [x, gamma, beta], 1, ("activation", 1L), ("channels_last", 1L), ("epsilon", 1e-5f), ("groups", (long)Groups))[0];
        g.Output("y", y, TensorElementType.Float16, shape);
        var xs = Random(7, N * H * W * C, 2f);
        OrtTensor.RoundToHalfInPlace(xs);
        var gammas = Random(8, C);
        var betas = Random(9, C);

        var actual = RunDecomposed(g.Build(), half: true,
            [new("x", xs, shape, TensorElementType.Float16), new("gamma", gammas, [C]), new("beta", betas, [C])],
            [("y", shape, TensorElementType.Float16)])[0];

        // float16 keeps 11 significant bits: 2⁻¹¹ relative per rounding, a few roundings deep.
        AssertClose(FusedOperatorReference.GroupNorm(xs, N, C, H, W, true, gammas, betas, Groups, 1e-5f, true), actual, 4e-3);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void SkipGroupNorm_Decomposed_MatchesItsDefinitionAndWritesTheSum(bool fullSkip, bool withBias)
    {
        // skip is [N, H, W, C] (a residual) or [N, C] (the time embedding), as the schema allows.
        long[] shape = [N, H, W, C];
        long[] skipShape = fullSkip ? shape : [N, C];
        var g = new OnnxGraphBuilder("skip_group_norm");
        var x = g.Input("x", TensorElementType.Float, shape);
        var gamma = g.Input("gamma", TensorElementType.Float, C);
        var beta = g.Input("beta", TensorElementType.Float, C);
        var skip = g.Input("skip", TensorElementType.Float, skipShape);
        string[] inputs = withBias ? [x, gamma, beta, skip, g.Input("bias", TensorElementType.Float, C)] : [x, gamma, beta, skip];
        var outputs = g.MicrosoftNode("SkipGroupNorm", inputs, 2, ("activation", 1L), ("channels_last", 1L), ("epsilon", 1e-5f), ("groups", (long)Groups));
        g.Output("y", outputs[0], TensorElementType.Float, shape);
        g.Output("s", outputs[1], TensorElementType.Float, shape);
        var xs = Random(10, N * H * W * C, 2f);
        var skips = Random(11, (int)skipShape.Aggregate(1L, (a, b) => a * b));
        var biases = Random(12, C);
        var gammas = Random(13, C);
        var betas = Random(14, C);
        List<Feed> feeds = [new("x", xs, shape), new("gamma", gammas, [C]), new("beta", betas, [C]), new("skip", skips, skipShape)];
        if (withBias) feeds.Add(new("bias", biases, [C]));

        var actual = RunDecomposed(g.Build(), half: false, [.. feeds],
            [("y", shape, TensorElementType.Float), ("s", shape, TensorElementType.Float)]);

        var sum = new float[xs.Length];
        for (var i = 0; i < xs.Length; i++)
        {
            var channel = i % C;
            var batch = i / (H * W * C);
            sum[i] = xs[i] + (fullSkip ? skips[i] : skips[batch * C + channel]) + (withBias ? biases[channel] : 0f);
        }
        AssertClose(sum, actual[1], 1e-6);
        AssertClose(FusedOperatorReference.GroupNorm(sum, N, C, H, W, true, gammas, betas, Groups, 1e-5f, true), actual[0], Float32Tolerance);
    }

    [Fact]
    public void BiasSplitGelu_Decomposed_MatchesItsDefinition()
    {
        const int tokens = 7, d = 12;
        var g = new OnnxGraphBuilder("bias_split_gelu");
        var x = g.Input("x", TensorElementType.Float, N, tokens, d);
        var bias = g.Input("bias", TensorElementType.Float, d);
        var y = g.MicrosoftNode("BiasSplitGelu", [x, bias], 1)[0];
        g.Output("y", y, TensorElementType.Float, N, tokens, d / 2);
        var xs = Random(20, N * tokens * d, 3f);
        var biases = Random(21, d);

        var actual = RunDecomposed(g.Build(), half: false,
            [new("x", xs, [N, tokens, d]), new("bias", biases, [d])], [("y", [N, tokens, d / 2], TensorElementType.Float)])[0];

        AssertClose(FusedOperatorReference.BiasSplitGelu(xs, biases, N * tokens, d), actual, Float32Tolerance);
    }

    [Fact]
    public void BiasAdd_Decomposed_IsInputPlusBiasPlusSkip()
    {
        const int tokens = 6, c = 8;
        var g = new OnnxGraphBuilder("bias_add");
        var x = g.Input("x", TensorElementType.Float, N, tokens, c);
        var bias = g.Input("bias", TensorElementType.Float, c);
        var skip = g.Input("skip", TensorElementType.Float, N, tokens, c);
        var y = g.MicrosoftNode("BiasAdd", [x, bias, skip], 1)[0];
        g.Output("y", y, TensorElementType.Float, N, tokens, c);
        var xs = Random(30, N * tokens * c);
        var biases = Random(31, c);
        var skips = Random(32, N * tokens * c);

        var actual = RunDecomposed(g.Build(), half: false,
            [new("x", xs, [N, tokens, c]), new("bias", biases, [c]), new("skip", skips, [N, tokens, c])],
            [("y", [N, tokens, c], TensorElementType.Float)])[0];

        // The same two float32 additions in the same order: bit for bit.
        var expected = xs.Select((v, i) => v + biases[i % c] + skips[i]).ToArray();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(1, 0, 2)]
    public void NhwcConv_Decomposed_MatchesAConvolutionInNhwc(int group, int pad, int stride)
    {
        const int h = 5, w = 6, c = 4, m = 6, k = 3;
        var oh = (h + 2 * pad - k) / stride + 1;
        var ow = (w + 2 * pad - k) / stride + 1;
        var g = new OnnxGraphBuilder("nhwc_conv");
        var x = g.Input("x", TensorElementType.Float, N, h, w, c);
        var weight = g.Input("w", TensorElementType.Float, m, k, k, c / group);
        var bias = g.Input("b", TensorElementType.Float, m);
        var y = g.MicrosoftNode("NhwcConv", [x, weight, bias], 1,
            ("group", (long)group), ("kernel_shape", new long[] { k, k }), ("pads", new long[] { pad, pad, pad, pad }),
            ("strides", new long[] { stride, stride }))[0];
        g.Output("y", y, TensorElementType.Float, N, oh, ow, m);
        var xs = Random(40, N * h * w * c);
        var weights = Random(41, m * k * k * (c / group));
        var biases = Random(42, m);

        var actual = RunDecomposed(g.Build(), half: false,
            [new("x", xs, [N, h, w, c]), new("w", weights, [m, k, k, c / group]), new("b", biases, [m])],
            [("y", [N, oh, ow, m], TensorElementType.Float)])[0];

        AssertClose(FusedOperatorReference.NhwcConv(xs, N, h, w, c, weights, m, k, k, biases, group, pad, stride), actual, Float32Tolerance);
    }

    [Fact]
    public void Gelu_Decomposed_IsTheErfForm()
    {
        var g = new OnnxGraphBuilder("gelu");
        var x = g.Input("x", TensorElementType.Float, N, 9);
        var y = g.MicrosoftNode("Gelu", [x], 1)[0];
        g.Output("y", y, TensorElementType.Float, N, 9);
        var xs = Random(50, N * 9, 4f);

        var actual = RunDecomposed(g.Build(), half: false, [new("x", xs, [N, 9])], [("y", [N, 9], TensorElementType.Float)])[0];

        AssertClose(xs.Select(v => (float)FusedOperatorReference.Gelu(v)).ToArray(), actual, Float32Tolerance);
    }
}
