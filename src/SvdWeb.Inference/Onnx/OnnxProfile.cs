using System.Text.Json;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// What an ONNX Runtime profile (the JSON <see cref="ExecutionSettings.ProfilePrefix"/> makes) says about a model's work:
/// the number of runs, and the floating-point operations of its matrix work, counted from the tensor shapes ONNX Runtime
/// recorded for every node it ran. Convolutions, matrix products and attention are counted (2 per multiply-add);
/// element-wise ops are left out, being a fraction of a percent of a UNet's arithmetic. This counts what the graph as
/// optimised actually computed, on whichever provider ran it.
/// </summary>
/// <param name="Runs">Session runs recorded (model_run events).</param>
/// <param name="Flops">Operations over all runs.</param>
/// <param name="FlopsByOp">The same, per operator type.</param>
/// <param name="NodeTime">Time inside node kernels over all runs.</param>
public sealed record OnnxProfile(int Runs, double Flops, IReadOnlyDictionary<string, double> FlopsByOp, TimeSpan NodeTime)
{
    public double FlopsPerRun => Runs == 0 ? 0 : Flops / Runs;

    public static OnnxProfile Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var runs = 0;
        var byOp = new Dictionary<string, double>(StringComparer.Ordinal);
        long nodeMicroseconds = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var category = item.TryGetProperty("cat", out var cat) ? cat.GetString() : null;
            if (category == "Session" && item.TryGetProperty("name", out var name) && name.GetString() == "model_run")
            {
                runs++;
                continue;
            }
            if (category != "Node" || !item.TryGetProperty("args", out var args) || !args.TryGetProperty("op_name", out var op)) continue;
            if (item.TryGetProperty("dur", out var duration)) nodeMicroseconds += duration.GetInt64();
            var flops = NodeFlops(op.GetString() ?? "", Shapes(args, "input_type_shape"), Shapes(args, "output_type_shape"));
            if (flops > 0) byOp[op.GetString()!] = byOp.GetValueOrDefault(op.GetString()!) + flops;
        }
        return new OnnxProfile(runs, byOp.Values.Sum(), byOp, TimeSpan.FromMicroseconds(nodeMicroseconds));
    }

    /// <summary>2 × multiply-adds of one node from its recorded input and output shapes; 0 for ops not counted.</summary>
    internal static double NodeFlops(string op, IReadOnlyList<long[]> inputs, IReadOnlyList<long[]> outputs)
    {
        if (outputs.Count == 0 || inputs.Count == 0) return 0;
        var output = outputs[0];
        switch (op)
        {
            case "Conv" or "FusedConv" or "NhwcConv" when inputs.Count >= 2:
                // weight [Cout, Cin/groups, k...]: each output element takes Cin/groups · Πk multiply-adds.
                return 2.0 * Product(output) * Product(inputs[1].AsSpan(1));
            case "MatMul" or "FusedMatMul" or "MatMulNBits" or "Gemm" when inputs.Count >= 2 && inputs[0].Length >= 1:
                // The shared dimension is A's last (Gemm with transA would have it first; exporters here do not use it).
                return 2.0 * Product(output) * inputs[0][^1];
            case "Attention" or "MultiHeadAttention" or "GroupQueryAttention" when inputs[0].Length == 3:
            {
                // query [B, S, hidden]; key [B, Skv, hidden] when given, else self-attention: QKᵀ and softmax·V.
                var (batch, sequence, hidden) = (inputs[0][0], inputs[0][1], inputs[0][2]);
                var kvSequence = inputs.Count >= 2 && inputs[1].Length == 3 && op == "MultiHeadAttention" ? inputs[1][1] : sequence;
                var projections = op == "Attention" && inputs.Count >= 2 ? 2.0 * batch * sequence * hidden * inputs[1][^1] : 0;
                return projections + 4.0 * batch * sequence * kvSequence * hidden;
            }
            default:
                return 0;
        }
    }

    private static double Product(ReadOnlySpan<long> dims)
    {
        double product = 1;
        foreach (var d in dims) product *= d;
        return product;
    }

    private static List<long[]> Shapes(JsonElement args, string property)
    {
        var shapes = new List<long[]>();
        if (!args.TryGetProperty(property, out var list) || list.ValueKind != JsonValueKind.Array) return shapes;
        foreach (var entry in list.EnumerateArray())
        {
            // Each entry is {"float": [dims]} (the key is the element type).
            foreach (var typed in entry.EnumerateObject())
            {
                if (typed.Value.ValueKind == JsonValueKind.Array)
                    shapes.Add([.. typed.Value.EnumerateArray().Select(d => d.GetInt64())]);
            }
        }
        return shapes;
    }
}
