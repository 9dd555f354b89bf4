using SvdWeb.Inference.Onnx;

namespace SvdWeb.Inference.Tests.Onnx;

/// <summary>
/// A test-only stand-in for ONNX Runtime's UNet optimizer (its fusion_group_norm and fusion_biassplitgelu passes, which
/// need Python onnxruntime): rewrites the traced group norms (4-D, γ and β of shape [C, 1, 1]) of a UNet into
/// com.microsoft GroupNorm between NCHW↔NHWC Transposes, with SiLU folded in where it follows, and each GEGLU
/// (…/ff/net.0/…) into BiasSplitGelu, so a test can run a "fused" pack as that optimizer would make it.
/// </summary>
internal static class UNetTestFuser
{
    public sealed record Result(byte[] Model, int GroupNorms, int WithSilu, int BiasSplitGelus);

    public static Result Fuse(byte[] model)
    {
        var dims = TensorDims(model);
        var editor = OnnxModelEditor.Parse(model);
        var (groupNorms, withSilu) = FuseGroupNorms(editor, dims);
        var geglus = FuseGeglus(editor);
        editor.RequireOpset(FusedOperatorKernels.MicrosoftDomain, 1);
        return new Result(editor.Serialize(), groupNorms, withSilu, geglus);
    }

    private static (int Fused, int WithSilu) FuseGroupNorms(OnnxModelEditor editor, Dictionary<string, long[]> dims)
    {
        int fused = 0, withSilu = 0;
        foreach (var norm in editor.Nodes.Where(n => n.Is("", "InstanceNormalization")).ToList())
        {
            var nodes = editor.Nodes;
            OnnxNode? Producer(string value) => nodes.FirstOrDefault(n => n.Outputs.Contains(value));
            List<OnnxNode> Consumers(string value) => nodes.Where(n => n.Inputs.Contains(value)).ToList();
            // torch's export shares equal constants through Identity nodes (the tiny pack's γ are all ones).
            long[]? DimsOf(string value) => dims.TryGetValue(value, out var d) ? d
                : Producer(value) is { OpType: "Identity" } identity ? DimsOf(identity.Inputs[0]) : null;

            if (Producer(norm.Inputs[0]) is not { OpType: "Reshape" } grouped) continue;
            var x = grouped.Inputs[0];
            if (Consumers(norm.Outputs[0]) is not [{ OpType: "Reshape" } restored]) continue;
            if (Producer(restored.Inputs[1]) is not { OpType: "Shape" } shape || shape.Inputs[0] != x) continue;
            if (Consumers(restored.Outputs[0]) is not [{ OpType: "Mul" } scale]) continue;
            var gamma = scale.Inputs.Single(i => i != restored.Outputs[0]);
            if (Consumers(scale.Outputs[0]) is not [{ OpType: "Add" } shift]) continue;
            var beta = shift.Inputs.Single(i => i != scale.Outputs[0]);
            if (DimsOf(gamma) is not [_, 1, 1] || DimsOf(beta) is not [_, 1, 1])
                continue;
            var groups = dims[norm.Inputs[1]][0];

            List<OnnxNode> replaced = [grouped, norm, restored, scale, shift];
            var output = shift.Outputs[0];
            var silu = false;
            if (Consumers(shift.Outputs[0]) is [var first, var second] &&
                new[] { first, second }.SingleOrDefault(n => n.OpType == "Sigmoid") is { } sigmoid &&
                new[] { first, second }.SingleOrDefault(n => n.OpType == "Mul") is { } gate &&
                gate.Inputs.Contains(sigmoid.Outputs[0]))
            {
                replaced.AddRange([sigmoid, gate]);
                output = gate.Outputs[0];
                silu = true;
            }

            var prefix = norm.Name + "/fused";
            var flat = editor.NewName(prefix + "/flat");
            var gamma1 = editor.NewName(prefix + "/gamma");
            var beta1 = editor.NewName(prefix + "/beta");
            var nhwc = editor.NewName(prefix + "/nhwc");
            var normalized = editor.NewName(prefix + "/normalized");
            List<OnnxNode> fusedNodes =
            [
                new(editor.NewName(prefix + "/Constant"), "Constant", [], [flat], "", OnnxAttribute.Ints("value_ints", -1)),
                new(editor.NewName(prefix + "/Reshape"), "Reshape", [gamma, flat], [gamma1]),
                new(editor.NewName(prefix + "/Reshape"), "Reshape", [beta, flat], [beta1]),
                new(editor.NewName(prefix + "/Transpose"), "Transpose", [x], [nhwc], "", OnnxAttribute.Ints("perm", 0, 2, 3, 1)),
                new(editor.NewName(prefix + "/GroupNorm"), "GroupNorm", [nhwc, gamma1, beta1], [normalized], FusedOperatorKernels.MicrosoftDomain,
                    OnnxAttribute.Int("activation", silu ? 1 : 0), OnnxAttribute.Int("channels_last", 1),
                    OnnxAttribute.Float("epsilon", norm.FloatAttribute("epsilon") ?? 1e-5f), OnnxAttribute.Int("groups", groups)),
                new(editor.NewName(prefix + "/Transpose"), "Transpose", [normalized], [output], "", OnnxAttribute.Ints("perm", 0, 3, 1, 2)),
            ];
            var at = nodes.IndexOf(grouped);
            foreach (var node in replaced) nodes.Remove(node);
            nodes.InsertRange(Math.Min(at, nodes.Count), fusedNodes);
            fused++;
            if (silu) withSilu++;
        }
        return (fused, withSilu);
    }

    /// <summary>diffusers' GEGLU: proj (MatMul, Add bias), chunk(2, −1), hidden · gelu(gate), all under …/ff/net.0/.</summary>
    private static int FuseGeglus(OnnxModelEditor editor)
    {
        var nodes = editor.Nodes;
        var scopes = nodes.Where(n => n.Name.EndsWith("/ff/net.0/proj/MatMul", StringComparison.Ordinal))
            .Select(n => n.Name[..^"proj/MatMul".Length]).ToList();
        var fused = 0;
        foreach (var scope in scopes)
        {
            var matMul = nodes.Single(n => n.Name == scope + "proj/MatMul");
            var biasAdd = nodes.Single(n => n.Name == scope + "proj/Add");
            var inScope = nodes.Where(n => n.Name.StartsWith(scope, StringComparison.Ordinal) && n != matMul).ToList();
            var produced = inScope.SelectMany(n => n.Outputs).ToHashSet();
            var outside = nodes.Except(inScope).SelectMany(n => n.Inputs).ToHashSet();
            var output = produced.Single(outside.Contains);
            var bias = biasAdd.Inputs.Single(i => i != matMul.Outputs[0]);
            var at = nodes.IndexOf(inScope[0]);
            foreach (var node in inScope) nodes.Remove(node);
            // Named as ONNX Runtime's optimizer names it: without the module scope.
            nodes.Insert(at, new OnnxNode($"BiasSplitGelu_{fused++}", "BiasSplitGelu", [matMul.Outputs[0], bias], [output],
                FusedOperatorKernels.MicrosoftDomain));
        }
        return scopes.Count;
    }

    /// <summary>The dims of every initializer and Constant-node tensor (onnx.proto3: GraphProto 5 initializer, 1 node;
    /// NodeProto 4 op_type, 5 attribute → AttributeProto 5 t; TensorProto 1 dims, 8 name).</summary>
    private static Dictionary<string, long[]> TensorDims(byte[] model)
    {
        var dims = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var reader = new WireReader(model);
        while (reader.TryReadField(out var field, out _, out _, out var graph))
        {
            if (field != 7) continue;
            var graphReader = new WireReader(graph);
            while (graphReader.TryReadField(out var graphField, out _, out _, out var payload))
            {
                if (graphField == 5)
                {
                    var (name, shape) = ReadTensor(payload);
                    dims[name] = shape;
                }
                else if (graphField == 1)
                {
                    var node = OnnxNode.Read(payload);
                    if (node.OpType != "Constant") continue;
                    foreach (var attribute in node.Attributes)
                    {
                        var attributeReader = new WireReader(attribute);
                        while (attributeReader.TryReadField(out var attributeField, out _, out _, out var tensor))
                        {
                            if (attributeField == 5) dims[node.Outputs[0]] = ReadTensor(tensor).Dims;
                        }
                    }
                }
            }
        }
        return dims;
    }

    private static (string Name, long[] Dims) ReadTensor(ReadOnlyMemory<byte> tensor)
    {
        var reader = new WireReader(tensor);
        var name = "";
        var dims = new List<long>();
        while (reader.TryReadField(out var field, out var wire, out _, out var payload))
        {
            if (field == 1 && wire == WireReader.Varint) dims.Add((long)reader.LastVarint);
            else if (field == 1 && wire == WireReader.LengthDelimited)
            {
                // Packed: varints back to back.
                ulong value = 0;
                var shift = 0;
                foreach (var b in payload.Span)
                {
                    value |= (ulong)(b & 0x7F) << shift;
                    shift += 7;
                    if (b >= 0x80) continue;
                    dims.Add((long)value);
                    (value, shift) = (0, 0);
                }
            }
            else if (field == 8) name = System.Text.Encoding.UTF8.GetString(payload.Span);
        }
        return (name, [.. dims]);
    }
}
