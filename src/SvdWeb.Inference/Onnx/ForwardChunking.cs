using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// diffusers' feed-forward chunking (<c>unet.enable_forward_chunking()</c>; attention.py, <c>_chunked_feed_forward</c>)
/// as a load-time rewrite of the UNet graph: each transformer block's feed-forward runs one slice at a time (chunk size
/// 1, diffusers' default) inside an ONNX <c>Scan</c>, so its widest activation (GEGLU's projection, 8·C wide) exists
/// for one slice instead of the whole batch. Spatial blocks slice over batch·frames (axis 0), temporal blocks over
/// their dim 1, as diffusers does; the same pack runs with or without it.
/// </summary>
/// <remarks>
/// <para>The feed-forward's nodes are found by the module scope the exporter writes into node names
/// (<c>…/transformer_blocks.0/ff/net.0/proj/MatMul</c>, <c>…/temporal_transformer_blocks.0/ff_in/…</c>). A group is
/// moved into a Scan body only when it reads exactly one tensor computed outside it (the feed-forward's input; weights
/// and constants are read from the outer graph) and writes exactly one tensor used outside; any other group is left as
/// it was and counted in <see cref="Result.Skipped"/>.</para>
/// <para>Body: slice [T, C] (the scan axis removed) → Unsqueeze back to rank 3 → the block's own nodes → Squeeze →
/// slice out. Each slice is the same matrix product rows as in the whole batch, so the arithmetic per value does not
/// change.</para>
/// </remarks>
internal static partial class ForwardChunking
{
    /// <summary>How many feed-forward blocks were chunked, and how many were found but could not be.</summary>
    public sealed record Result(int Chunked, int Skipped);

    public static Result Apply(OnnxModelEditor model, TensorElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(model);
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            var match = FeedForwardScope().Match(model.Nodes[i].Name);
            if (!match.Success) continue;
            var scope = match.Groups["scope"].Value;
            if (!groups.TryGetValue(scope, out var members)) groups[scope] = members = [];
            members.Add(i);
        }

        AbsorbBiasSplitGelus(model, groups);

        int chunked = 0, skipped = 0;
        var replacements = new List<(HashSet<int> Members, int At, OnnxNode Scan)>();
        foreach (var (scope, members) in groups)
        {
            var axis = scope.Contains("temporal_transformer_blocks", StringComparison.Ordinal) ? 1 : 0;
            if (TryBuildScan(model, scope, members, axis, elementType) is { } built)
            {
                replacements.Add((members.ToHashSet(), built.At, built.Scan));
                chunked++;
            }
            else
            {
                skipped++;
            }
        }

        if (replacements.Count > 0)
        {
            var removed = replacements.SelectMany(r => r.Members).ToHashSet();
            var scanAt = replacements.ToDictionary(r => r.At, r => r.Scan);
            var rewritten = new List<OnnxNode>(model.Nodes.Count);
            for (var i = 0; i < model.Nodes.Count; i++)
            {
                if (scanAt.TryGetValue(i, out var scan)) rewritten.Add(scan);
                else if (!removed.Contains(i)) rewritten.Add(model.Nodes[i]);
            }
            model.Nodes.Clear();
            model.Nodes.AddRange(rewritten);
        }
        return new Result(chunked, skipped);
    }

    /// <summary>
    /// ONNX Runtime's optimizer names the BiasSplitGelu it fuses GEGLU into without the module scope ("BiasSplitGelu_3"),
    /// so the feed-forward's group would lose its middle: such a node joins the group that produces its input.
    /// </summary>
    private static void AbsorbBiasSplitGelus(OnnxModelEditor model, Dictionary<string, List<int>> groups)
    {
        var groupOf = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var members in groups.Values)
            foreach (var i in members)
                foreach (var output in model.Nodes[i].Outputs) groupOf[output] = members;
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            var node = model.Nodes[i];
            if (!node.Is(FusedOperatorKernels.MicrosoftDomain, "BiasSplitGelu") || FeedForwardScope().IsMatch(node.Name)) continue;
            if (node.Inputs.Count == 0 || !groupOf.TryGetValue(node.Inputs[0], out var members)) continue;
            members.Add(i);
            members.Sort();
            foreach (var output in node.Outputs) groupOf[output] = members;
        }
    }

    private static (int At, OnnxNode Scan)? TryBuildScan(OnnxModelEditor model, string scope, List<int> members, int axis, TensorElementType elementType)
    {
        var nodes = members.Select(i => model.Nodes[i]).ToList();
        var produced = nodes.SelectMany(n => n.Outputs).Where(o => o.Length > 0).ToHashSet(StringComparer.Ordinal);
        var memberSet = members.ToHashSet();

        // Values read from outside the group and computed by nodes (not weights): the feed-forward input, exactly one.
        var producedOutside = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            if (memberSet.Contains(i)) continue;
            foreach (var value in model.Nodes[i].Outputs) producedOutside[value] = model.Nodes[i];
        }
        var external = nodes.SelectMany(n => n.Inputs)
            .Where(input => input.Length > 0 && !produced.Contains(input) && producedOutside.TryGetValue(input, out var producer) && producer.OpType != "Constant")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (external.Count != 1) return null;

        // Values used outside the group (by nodes or as graph outputs): exactly one, the feed-forward output.
        var lastMember = members.Max();
        var usedOutside = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            if (memberSet.Contains(i)) continue;
            foreach (var value in model.Nodes[i].Inputs)
            {
                if (!produced.Contains(value)) continue;
                // A consumer before the group's last node would run before the Scan that now produces its input.
                if (i < lastMember) return null;
                usedOutside.Add(value);
            }
        }
        if (usedOutside.Count != 1) return null;
        var input = external[0];
        var output = usedOutside.Single();

        var sliceIn = model.NewName(scope + "/chunk_in");
        var unsqueezed = model.NewName(scope + "/chunk_unsqueezed");
        var groupOut = model.NewName(scope + "/chunk_group_out");
        var sliceOut = model.NewName(scope + "/chunk_out");
        var axes = model.NewName(scope + "/chunk_axis");

        var body = new ProtobufWriter();
        void Node(OnnxNode node) => body.Message(1, node.WriteTo);
        Node(new OnnxNode(model.NewName(scope + "/chunk_axis_const"), "Constant", [], [axes], "", OnnxAttribute.Ints("value_ints", axis)));
        Node(new OnnxNode(model.NewName(scope + "/chunk_unsqueeze"), "Unsqueeze", [sliceIn, axes], [unsqueezed]));
        foreach (var node in nodes)
        {
            var moved = new OnnxNode(node.Name, node.OpType,
                node.Inputs.Select(i => i == input ? unsqueezed : i),
                node.Outputs.Select(o => o == output ? groupOut : o),
                node.Domain, node.Attributes);
            Node(moved);
        }
        Node(new OnnxNode(model.NewName(scope + "/chunk_squeeze"), "Squeeze", [groupOut, axes], [sliceOut]));
        body.String(2, scope + "/chunked");
        body.Message(11, value => ValueInfo(value, sliceIn, elementType));
        body.Message(12, value => ValueInfo(value, sliceOut, elementType));

        var scan = new OnnxNode(model.NewName(scope + "/Scan"), "Scan", [input], [output], "",
            OnnxAttribute.Graph("body", body.ToArray()),
            OnnxAttribute.Int("num_scan_inputs", 1),
            OnnxAttribute.Ints("scan_input_axes", axis),
            OnnxAttribute.Ints("scan_output_axes", axis));
        return (lastMember, scan);
    }

    // ValueInfoProto with a tensor type of unknown shape: 1 name, 2 type → 1 tensor_type → 1 elem_type.
    private static void ValueInfo(ProtobufWriter value, string name, TensorElementType elementType)
    {
        value.String(1, name);
        value.Message(2, type => type.Message(1, tensor => tensor.Varint(1, (ulong)elementType)));
    }

    /// <summary>The feed-forward scope of a node name, for rewrites that name their nodes after it.</summary>
    public static bool IsFeedForward(string nodeName) => FeedForwardScope().IsMatch(nodeName);

    [GeneratedRegex(@"^(?<scope>.*/(?:transformer_blocks|temporal_transformer_blocks)\.\d+/(?:ff|ff_in))/")]
    private static partial Regex FeedForwardScope();
}
