using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Tests.Models;
using SvdWeb.Inference.Tests.Onnx;

namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>
/// A copy of the tiny pack laid out as diffusers' fp16 pipeline runs: the image encoder, UNet and VAE decoder take and
/// give float16 tensors (the UNet's timestep stays float32, as diffusers feeds it; the VAE encoder stays float32, as
/// force_upcast runs it). Each graph is rewritten at the protobuf level: a Cast to float32 after each float16 input and a
/// Cast to float16 before each output, so the networks compute as before and only the pipeline's float16 boundary —
/// what this exercises — changes.
/// </summary>
internal sealed class Float16IoPack : IDisposable
{
    private const int Float = 1, Float16 = 10;
    private readonly TempPackCopy _copy = new();

    public Float16IoPack()
    {
        Rewrite("image_encoder/model.onnx", ["pixel_values"], ["image_embeds"]);
        Rewrite("unet/model.onnx", ["sample", "encoder_hidden_states", "added_time_ids"], ["out_sample"]);
        Rewrite("vae_decoder/model.onnx", ["latent_sample"], ["sample"]);
    }

    public string Folder => _copy.Folder;

    private void Rewrite(string relativePath, string[] inputs, string[] outputs)
    {
        var path = _copy.PathOf(relativePath);
        File.WriteAllBytes(path, RewriteModel(File.ReadAllBytes(path), inputs, outputs));
    }

    private static byte[] RewriteModel(byte[] model, string[] inputs, string[] outputs) =>
        OnnxRewrite.MapGraph(model, graph => RewriteGraph(graph, inputs, outputs));

    private static byte[] RewriteGraph(ReadOnlySpan<byte> graph, string[] inputs, string[] outputs)
    {
        // Inside the graph the original float32 tensors get new names; the float16 graph inputs and outputs keep theirs.
        var renames = inputs.Concat(outputs).ToDictionary(n => n, n => n + "__float32", StringComparer.Ordinal);
        var writer = new ProtobufWriter();
        foreach (var name in inputs) writer.Bytes(1, CastNode(name, renames[name], Float));
        var seen = 0;
        foreach (var field in OnnxRewrite.Fields(graph))
        {
            switch (field.Number)
            {
                case 1:
                    writer.Bytes(1, OnnxRewrite.RenameNodeTensors(field.Payload, renames));
                    break;
                case 11 or 12 when renames.ContainsKey(OnnxRewrite.NameOf(field.Payload)):
                    writer.Bytes(field.Number, OnnxRewrite.SetElementType(field.Payload, Float16));
                    seen++;
                    break;
                case 13 when renames.ContainsKey(OnnxRewrite.NameOf(field.Payload)):
                    break;   // intermediate type annotations of renamed tensors would now be wrong; ORT infers them
                default:
                    writer.Raw(field.Raw);
                    break;
            }
        }
        Assert.Equal(inputs.Length + outputs.Length, seen);
        foreach (var name in outputs) writer.Bytes(1, CastNode(renames[name], name, Float16));
        return writer.ToArray();
    }

    /// <summary>NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, i 3, type 20 = INT).</summary>
    private static byte[] CastNode(string input, string output, int to) => new ProtobufWriter()
        .String(1, input)
        .String(2, output)
        .String(3, "cast_" + output)
        .String(4, "Cast")
        .Message(5, a => a.String(1, "to").Varint(3, (ulong)to).Varint(20, 2))
        .ToArray();

    public void Dispose() => _copy.Dispose();
}
