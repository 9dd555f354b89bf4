using System.Text;
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

    private static byte[] RewriteModel(byte[] model, string[] inputs, string[] outputs)
    {
        var writer = new OnnxTestModels.ProtoWriter();
        foreach (var field in Fields(model))
        {
            if (field.Number == 7) writer.Bytes(7, RewriteGraph(field.Payload, inputs, outputs));
            else writer.Raw(field.Raw);
        }
        return writer.ToArray();
    }

    private static byte[] RewriteGraph(ReadOnlySpan<byte> graph, string[] inputs, string[] outputs)
    {
        // Inside the graph the original float32 tensors get new names; the float16 graph inputs and outputs keep theirs.
        var renames = inputs.Concat(outputs).ToDictionary(n => n, n => n + "__float32", StringComparer.Ordinal);
        var writer = new OnnxTestModels.ProtoWriter();
        foreach (var name in inputs) writer.Bytes(1, CastNode(name, renames[name], Float));
        var seen = 0;
        foreach (var field in Fields(graph))
        {
            switch (field.Number)
            {
                case 1:
                    writer.Bytes(1, RenameNodeTensors(field.Payload, renames));
                    break;
                case 11 or 12 when renames.ContainsKey(ValueInfoName(field.Payload)):
                    writer.Bytes(field.Number, SetElementType(field.Payload, Float16));
                    seen++;
                    break;
                case 13 when renames.ContainsKey(ValueInfoName(field.Payload)):
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

    private static byte[] RenameNodeTensors(ReadOnlySpan<byte> node, Dictionary<string, string> renames)
    {
        var writer = new OnnxTestModels.ProtoWriter();
        foreach (var field in Fields(node))
        {
            if (field.Number is 1 or 2 && renames.TryGetValue(Encoding.UTF8.GetString(field.Payload), out var renamed))
                writer.String(field.Number, renamed);
            else
                writer.Raw(field.Raw);
        }
        return writer.ToArray();
    }

    private static string ValueInfoName(ReadOnlySpan<byte> valueInfo)
    {
        foreach (var field in Fields(valueInfo))
        {
            if (field.Number == 1) return Encoding.UTF8.GetString(field.Payload);
        }
        return "";
    }

    /// <summary>ValueInfoProto.type (2) → TypeProto.tensor_type (1) → Tensor.elem_type (1).</summary>
    private static byte[] SetElementType(ReadOnlySpan<byte> valueInfo, int elementType) =>
        MapField(valueInfo, 2, type => MapField(type, 1, tensor =>
        {
            var writer = new OnnxTestModels.ProtoWriter().Varint(1, (ulong)elementType);
            foreach (var field in Fields(tensor))
            {
                if (field.Number != 1) writer.Raw(field.Raw);
            }
            return writer.ToArray();
        }));

    private static byte[] MapField(ReadOnlySpan<byte> message, int number, Func<byte[], byte[]> map)
    {
        var writer = new OnnxTestModels.ProtoWriter();
        foreach (var field in Fields(message))
        {
            if (field.Number == number) writer.Bytes(number, map(field.Payload.ToArray()));
            else writer.Raw(field.Raw);
        }
        return writer.ToArray();
    }

    /// <summary>NodeProto: input 1, output 2, name 3, op_type 4, attribute 5 (AttributeProto: name 1, i 3, type 20 = INT).</summary>
    private static byte[] CastNode(string input, string output, int to) => new OnnxTestModels.ProtoWriter()
        .String(1, input)
        .String(2, output)
        .String(3, "cast_" + output)
        .String(4, "Cast")
        .Message(5, a => a.String(1, "to").Varint(3, (ulong)to).Varint(20, 2))
        .ToArray();

    private readonly ref struct Field(int number, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> raw)
    {
        public int Number { get; } = number;

        /// <summary>The value of a length-delimited field (empty for other wire types).</summary>
        public ReadOnlySpan<byte> Payload { get; } = payload;

        /// <summary>The whole field, tag included, to copy unchanged.</summary>
        public ReadOnlySpan<byte> Raw { get; } = raw;
    }

    private static FieldEnumerator Fields(ReadOnlySpan<byte> message) => new(message);

    private ref struct FieldEnumerator(ReadOnlySpan<byte> message)
    {
        private readonly ReadOnlySpan<byte> _message = message;
        private int _position;

        public Field Current { get; private set; }

        public readonly FieldEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_position >= _message.Length) return false;
            var start = _position;
            var tag = ReadVarint();
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            ReadOnlySpan<byte> payload = default;
            switch (wire)
            {
                case 0: ReadVarint(); break;
                case 1: _position += 8; break;
                case 5: _position += 4; break;
                case 2:
                    var length = (int)ReadVarint();
                    payload = _message.Slice(_position, length);
                    _position += length;
                    break;
                default: throw new InvalidDataException($"Unexpected protobuf wire type {wire}.");
            }
            Current = new Field(number, payload, _message[start.._position]);
            return true;
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _message[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
        }
    }

    public void Dispose() => _copy.Dispose();
}
