namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Rewrites the com.microsoft operators of ONNX Runtime's UNet optimizer (GroupNorm, SkipGroupNorm, BiasSplitGelu,
/// BiasAdd, NhwcConv, Gelu) back into standard ONNX operators, for the CPU provider, where ONNX Runtime 1.31 has no
/// kernel for them (<see cref="FusedOperatorKernels"/>; src/SvdWeb.Inference/README.md, "Fused operators").
/// </summary>
/// <remarks>
/// <para>Each rewrite is the form torch traces the unfused module to, so a decomposed pack computes what the unfused
/// export computed: group norm as Reshape [N, groups, −1] → InstanceNormalization (scale 1, bias 0) → Reshape back →
/// Mul γ → Add β (torch's group_norm export), SiLU as x·Sigmoid(x), GELU in its erf form x·(1 + erf(x/√2))·0.5 (torch's
/// gelu export), GEGLU's chunk as two Slices.</para>
/// <para>Layouts (docs/ContribOperators.md of ONNX Runtime): GroupNorm and SkipGroupNorm take NHWC when channels_last is
/// 1, its default, else NCHW; NhwcConv takes X as [N, H, W, C] and W as [M, kH, kW, C/group] (the optimizer transposes
/// the Conv weight with perm 0,2,3,1) and writes [N, H', W', M].</para>
/// <para>float16 graphs: the constants are cast to float16 and γ, β of the group norms (float32 in the optimizer's
/// float16 graphs) too; where ONNX Runtime's CPU provider has only a float32 kernel for an operator used here (Mul,
/// Add, Sigmoid, Erf, InstanceNormalization), its own cast insertion runs that node in float32, as for every other
/// node of a float16 graph on the CPU.</para>
/// </remarks>
internal static class FusedOperatorDecomposition
{
    /// <summary>The operators this class rewrites.</summary>
    public static IReadOnlySet<string> Operators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "GroupNorm", "SkipGroupNorm", "BiasSplitGelu", "BiasAdd", "NhwcConv", "Gelu",
    };

    /// <summary>Replaces every node of <see cref="Operators"/> in <paramref name="model"/>; returns how many, by operator.</summary>
    /// <param name="model">The graph to rewrite in place.</param>
    /// <param name="half">The graph computes in float16.</param>
    /// <exception cref="InvalidDataException">A node lacks an attribute the operator requires, or uses an input its
    /// schema does not have.</exception>
    public static IReadOnlyDictionary<string, int> Apply(OnnxModelEditor model, bool half)
    {
        ArgumentNullException.ThrowIfNull(model);
        var replaced = new Dictionary<string, int>(StringComparer.Ordinal);
        var producers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in model.Nodes)
            foreach (var output in node.Outputs) producers[output] = node.Name;
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            if (node.Domain != FusedOperatorKernels.MicrosoftDomain || !Operators.Contains(node.OpType)) continue;
            var nodes = new DecompositionNodes(model, Prefix(node, producers));
            switch (node.OpType)
            {
                case "GroupNorm": GroupNorm(nodes, node, half); break;
                case "SkipGroupNorm": SkipGroupNorm(nodes, node, half); break;
                case "BiasSplitGelu": BiasSplitGelu(nodes, node, half); break;
                case "BiasAdd": BiasAdd(nodes, node); break;
                case "NhwcConv": NhwcConv(nodes, node); break;
                case "Gelu": nodes.OpInto(node.Outputs[0], "Identity", [Gelu(nodes, Input(node, 0), half)]); break;
            }
            model.Nodes.RemoveAt(i);
            model.Nodes.InsertRange(i, nodes.Nodes);
            i += nodes.Nodes.Count - 1;
            replaced[node.OpType] = replaced.GetValueOrDefault(node.OpType) + 1;
        }
        return replaced;
    }

    /// <summary>Y = activation(γ·(X − mean)/√(var + ε) + β) per group of channels.</summary>
    private static void GroupNorm(DecompositionNodes nodes, OnnxNode node, bool half) =>
        NormalizeGroups(nodes, node, Input(node, 0), Input(node, 1), Input(node, 2), node.Outputs[0], half);

    /// <summary>S = X + skip (+ bias), then GroupNorm of S; S is also the optional second output.</summary>
    private static void SkipGroupNorm(DecompositionNodes nodes, OnnxNode node, bool half)
    {
        var channelsLast = ChannelsLast(node);
        var x = Input(node, 0);
        var skip = Input(node, 3);
        // skip is [N, H, W, C], [N, 1, 1, C] or [N, C] (NHWC; NCHW likewise): both are flattened to [N, tokens, C]
        // ([N, C, tokens]), where one broadcasts against the other, and the sum is folded back to X's shape.
        var shape = nodes.Op("Shape", [x]);
        var channels = channelsLast
            ? nodes.Op("Slice", [shape, nodes.Ints(-1), nodes.Ints(DecompositionNodes.ToEnd)])
            : nodes.Op("Slice", [shape, nodes.Ints(1), nodes.Ints(2)]);
        var flat = channelsLast
            ? nodes.Op("Concat", [nodes.Ints(0, -1), channels], OnnxAttribute.Int("axis", 0))
            : nodes.Op("Concat", [nodes.Ints(0), channels, nodes.Ints(-1)], OnnxAttribute.Int("axis", 0));
        var sum = nodes.Op("Add", [nodes.Op("Reshape", [x, flat]), nodes.Op("Reshape", [skip, flat])]);
        if (node.Inputs.Count > 4 && node.Inputs[4].Length > 0)
        {
            var bias = channelsLast ? node.Inputs[4] : nodes.Op("Reshape", [node.Inputs[4], nodes.Ints(-1, 1)]);
            sum = nodes.Op("Add", [sum, bias]);
        }
        var wantsSum = node.Outputs.Count > 1 && node.Outputs[1].Length > 0;
        var s = nodes.OpInto(wantsSum ? node.Outputs[1] : null, "Reshape", [sum, shape]);
        NormalizeGroups(nodes, node, s, Input(node, 1), Input(node, 2), node.Outputs[0], half);
    }

    private static void NormalizeGroups(DecompositionNodes nodes, OnnxNode node, string x, string gamma, string beta, string output, bool half)
    {
        var groups = node.IntAttribute("groups")
            ?? throw new InvalidDataException($"{node.OpType} node '{node.Name}' has no groups attribute, which its schema requires");
        var activation = node.IntAttribute("activation")
            ?? throw new InvalidDataException($"{node.OpType} node '{node.Name}' has no activation attribute, which its schema requires");
        if (activation is not (0 or 1))
            throw new InvalidDataException($"{node.OpType} node '{node.Name}' has activation {activation}; the schema defines 0 (none) and 1 (SiLU)");
        // ONNX Runtime's schema default (contrib_defs.cc): 1e-5, torch's GroupNorm default.
        var epsilon = node.FloatAttribute("epsilon") ?? 1e-5f;
        var channelsLast = ChannelsLast(node);

        var nchw = channelsLast ? nodes.Op("Transpose", [x], OnnxAttribute.Ints("perm", 0, 3, 1, 2)) : x;
        var groupsShape = nodes.Ints(groups);
        var ones = nodes.Op("Expand", [nodes.Scalar(1f, half), groupsShape]);
        var zeros = nodes.Op("Expand", [nodes.Scalar(0f, half), groupsShape]);
        var grouped = nodes.Op("Reshape", [nchw, nodes.Ints(0, groups, -1)]);
        var normalized = nodes.Op("InstanceNormalization", [grouped, ones, zeros], OnnxAttribute.Float("epsilon", epsilon));
        var restored = nodes.Op("Reshape", [normalized, nodes.Op("Shape", [nchw])]);
        var perChannel = nodes.Ints(-1, 1, 1);
        var scaled = nodes.Op("Mul", [restored, nodes.Op("Reshape", [AsGraphType(nodes, gamma, half), perChannel])]);
        var shifted = nodes.Op("Add", [scaled, nodes.Op("Reshape", [AsGraphType(nodes, beta, half), perChannel])]);
        var activated = activation == 1 ? nodes.Op("Mul", [shifted, nodes.Op("Sigmoid", [shifted])]) : shifted;
        if (channelsLast)
            nodes.OpInto(output, "Transpose", [activated], OnnxAttribute.Ints("perm", 0, 2, 3, 1));
        else
            nodes.OpInto(output, "Identity", [activated]);
    }

    /// <summary>Y = left · GELU(right), where left and right are the halves of the last axis of X + bias (diffusers' GEGLU).</summary>
    private static void BiasSplitGelu(DecompositionNodes nodes, OnnxNode node, bool half)
    {
        var biased = nodes.Op("Add", [Input(node, 0), Input(node, 1)]);
        var lastAxis = nodes.Ints(-1);
        var middle = nodes.Op("Div", [nodes.Op("Slice", [nodes.Op("Shape", [biased]), lastAxis, nodes.Ints(DecompositionNodes.ToEnd)]), nodes.Ints(2)]);
        var left = nodes.Op("Slice", [biased, nodes.Ints(0), middle, lastAxis]);
        var right = nodes.Op("Slice", [biased, middle, nodes.Ints(DecompositionNodes.ToEnd), lastAxis]);
        nodes.OpInto(node.Outputs[0], "Mul", [left, Gelu(nodes, right, half)]);
    }

    /// <summary>Y = (X + bias) + skip.</summary>
    private static void BiasAdd(DecompositionNodes nodes, OnnxNode node) =>
        nodes.OpInto(node.Outputs[0], "Add", [nodes.Op("Add", [Input(node, 0), Input(node, 1)]), Input(node, 2)]);

    /// <summary>The Conv the optimizer replaced, between the layout transposes it inserted (its attributes are Conv's).</summary>
    private static void NhwcConv(DecompositionNodes nodes, OnnxNode node)
    {
        var x = nodes.Op("Transpose", [Input(node, 0)], OnnxAttribute.Ints("perm", 0, 3, 1, 2));
        var w = nodes.Op("Transpose", [Input(node, 1)], OnnxAttribute.Ints("perm", 0, 3, 1, 2));
        string[] inputs = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? [x, w, node.Inputs[2]] : [x, w];
        var conv = nodes.OpInto(null, "Conv", inputs, node.Attributes);
        nodes.OpInto(node.Outputs[0], "Transpose", [conv], OnnxAttribute.Ints("perm", 0, 2, 3, 1));
    }

    /// <summary>GELU, erf form, in the order torch exports it: x · (1 + erf(x / √2)) · 0.5.</summary>
    private static string Gelu(DecompositionNodes nodes, string x, bool half)
    {
        var erf = nodes.Op("Erf", [nodes.Op("Div", [x, nodes.Scalar(MathF.Sqrt(2f), half)])]);
        var plusOne = nodes.Op("Add", [erf, nodes.Scalar(1f, half)]);
        return nodes.Op("Mul", [nodes.Op("Mul", [x, plusOne]), nodes.Scalar(0.5f, half)]);
    }

    private static string AsGraphType(DecompositionNodes nodes, string value, bool half) =>
        half ? nodes.Op("Cast", [value], OnnxAttribute.Int("to", (long)Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16)) : value;

    /// <summary>
    /// The decomposed nodes' name prefix: the fused node's name, under its input's module scope when ONNX Runtime's
    /// optimizer named it without one ("BiasSplitGelu_3" after …/ff/net.0/proj/MatMul), so forward chunking still finds
    /// the feed-forward's nodes by their scope.
    /// </summary>
    private static string Prefix(OnnxNode node, Dictionary<string, string> producers)
    {
        var name = node.Name.Length > 0 ? node.Name : node.OpType;
        if (name.Contains('/', StringComparison.Ordinal) || node.Inputs.Count == 0 || !producers.TryGetValue(node.Inputs[0], out var producer))
            return name;
        var scope = producer.LastIndexOf('/');
        return scope > 0 && Onnx.ForwardChunking.IsFeedForward(producer) ? $"{producer[..scope]}/{name}" : name;
    }

    private static bool ChannelsLast(OnnxNode node) => (node.IntAttribute("channels_last") ?? 1) != 0;

    private static string Input(OnnxNode node, int index) => index < node.Inputs.Count && node.Inputs[index].Length > 0
        ? node.Inputs[index]
        : throw new InvalidDataException($"{node.OpType} node '{node.Name}' has no input {index}, which its schema requires");
}
