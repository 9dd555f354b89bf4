namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Reads protobuf fields from bytes in memory, keeping each field's encoded bytes so an editor can write unedited
/// fields back unchanged (<see cref="OnnxModelEditor"/>). <see cref="ProtobufReader"/> is the streaming reader for
/// files too large to hold.
/// </summary>
internal struct WireReader(ReadOnlyMemory<byte> bytes)
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private int _position;

    /// <summary>The value of the last varint field read.</summary>
    public ulong LastVarint { get; private set; }

    /// <summary>Reads the next field: its number, wire type, its whole encoding (tag included) and, for
    /// length-delimited fields, the payload (else the value's bytes).</summary>
    /// <exception cref="InvalidDataException">The bytes end inside a field or use a wire type protobuf does not have.</exception>
    public bool TryReadField(out int field, out int wire, out ReadOnlyMemory<byte> encoded, out ReadOnlyMemory<byte> payload)
    {
        var span = bytes.Span;
        if (_position >= span.Length)
        {
            (field, wire, encoded, payload) = (0, 0, default, default);
            return false;
        }
        var start = _position;
        var key = ReadRawVarint(span);
        field = (int)(key >> 3);
        wire = (int)(key & 7);
        int payloadStart, payloadLength;
        switch (wire)
        {
            case Varint:
                payloadStart = _position;
                LastVarint = ReadRawVarint(span);
                payloadLength = _position - payloadStart;
                break;
            case Fixed64:
                (payloadStart, payloadLength) = (_position, 8);
                break;
            case Fixed32:
                (payloadStart, payloadLength) = (_position, 4);
                break;
            case LengthDelimited:
                var length = ReadRawVarint(span);
                if (length > (ulong)(span.Length - _position))
                    throw new InvalidDataException($"a field at byte {start} declares {length} bytes but only {span.Length - _position} remain");
                (payloadStart, payloadLength) = (_position, (int)length);
                break;
            default:
                throw new InvalidDataException($"wire type {wire} at byte {start} is not a protobuf wire type");
        }
        if (payloadStart + payloadLength > span.Length)
            throw new InvalidDataException($"the bytes end inside the field at byte {start}");
        _position = payloadStart + payloadLength;
        encoded = bytes[start.._position];
        payload = bytes.Slice(payloadStart, payloadLength);
        return true;
    }

    private ulong ReadRawVarint(ReadOnlySpan<byte> span)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= span.Length)
                throw new InvalidDataException("the bytes end inside a varint");
            var b = span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("a varint is longer than 10 bytes");
    }
}
