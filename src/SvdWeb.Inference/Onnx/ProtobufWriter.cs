using System.Buffers.Binary;
using System.Text;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// The protobuf wire format, enough to write the small ONNX graphs the pipeline builds itself
/// (<see cref="OnnxGraphBuilder"/>); the reading side is <see cref="ProtobufReader"/>.
/// </summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _bytes = new();

    public ProtobufWriter RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.WriteByte((byte)value);
        return this;
    }

    public ProtobufWriter Varint(int field, ulong value) => RawVarint((ulong)field << 3).RawVarint(value);

    /// <summary>An int64 field: negative values take ten bytes (two's complement), as protobuf encodes them.</summary>
    public ProtobufWriter Int64(int field, long value) => Varint(field, unchecked((ulong)value));

    public ProtobufWriter Float(int field, float value)
    {
        RawVarint(((ulong)field << 3) | 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _bytes.Write(bytes);
        return this;
    }

    public ProtobufWriter Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        RawVarint(((ulong)field << 3) | 2).RawVarint((ulong)bytes.Length);
        _bytes.Write(bytes);
        return this;
    }

    public ProtobufWriter String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

    /// <summary>Copies an already encoded field (tag and value) unchanged.</summary>
    public ProtobufWriter Raw(ReadOnlySpan<byte> encodedField)
    {
        _bytes.Write(encodedField);
        return this;
    }

    public ProtobufWriter Message(int field, Action<ProtobufWriter> write)
    {
        var inner = new ProtobufWriter();
        write(inner);
        return Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _bytes.ToArray();
}
