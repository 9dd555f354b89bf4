using System.Globalization;
using System.Text;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// A forward-only reader of the protocol-buffers wire format over a seekable stream, for reading the few small fields
/// of an ONNX file that validation needs (https://protobuf.dev/programming-guides/encoding/).
/// </summary>
/// <remarks>
/// <para>Why not a generated parser: a real SVD UNet is 3–6 GB of weights. Every field this reader is not asked for is
/// skipped with a Seek, so checking a pack reads kilobytes, not gigabytes, and allocates nothing per weight.</para>
/// <para>Nested messages are read in place: <see cref="BeginMessage"/> narrows the readable range to the message and
/// <see cref="EndMessage"/> skips what the caller left unread and restores the outer range. Every length is checked
/// against the enclosing range (for the outermost message, the file length), so a truncated or foreign file fails
/// with <see cref="InvalidDataException"/> saying where, never with a read past the end.</para>
/// </remarks>
internal sealed class ProtobufReader
{
    public const int WireVarint = 0, WireFixed64 = 1, WireLengthDelimited = 2, WireFixed32 = 5;

    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly long _length;
    private long _bufferStart;   // stream offset of _buffer[0]; the stream itself stands at _bufferStart + _bufferLength
    private int _bufferPosition;
    private int _bufferLength;
    private long _limit;         // end of the message being read

    /// <param name="stream">Readable and seekable; reading starts at its current position.</param>
    public ProtobufReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek)
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        _stream = stream;
        _length = stream.Length;
        _bufferStart = stream.Position;
        _limit = _length;
    }

    /// <summary>Offset in the stream of the next byte to read.</summary>
    public long Position => _bufferStart + _bufferPosition;

    /// <summary>
    /// Reads the next field's key. Returns false at the end of the current message (or of the stream, at the top level).
    /// </summary>
    public bool TryReadTag(out int fieldNumber, out int wireType)
    {
        if (Position >= _limit)
        {
            fieldNumber = 0;
            wireType = 0;
            return false;
        }
        var start = Position;
        var key = ReadVarint();
        wireType = (int)(key & 7);
        var field = key >> 3;
        if (field is 0 or > 536_870_911)
            throw Invalid($"byte {start:N0} holds field number {field}, which protobuf does not allow");
        fieldNumber = (int)field;
        if (wireType is not (WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32))
        {
            // 3 and 4 are protobuf 2 groups, which ONNX never writes; 6 and 7 are undefined.
            throw Invalid($"field {fieldNumber} at byte {start:N0} has wire type {wireType}, which ONNX files never use");
        }
        return true;
    }

    public ulong ReadVarint()
    {
        var start = Position;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (Position >= _limit)
                throw Invalid($"the number at byte {start:N0} runs past {EndDescription()}");
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw Invalid($"the number at byte {start:N0} is longer than 10 bytes");
    }

    /// <summary>An int64 field (two's complement in ten bytes when negative, as protobuf writes it).</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>An int32 or enum field: protobuf sign-extends negatives to 64 bits, and the low 32 bits are the value.</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    /// <summary>A length-delimited UTF-8 string, refusing lengths over <paramref name="maxBytes"/> (names, not weights).</summary>
    public string ReadString(int maxBytes)
    {
        var start = Position;
        var length = ReadLength();
        if (length > maxBytes)
            throw Invalid($"the text at byte {start:N0} is {length:N0} bytes long; names in an ONNX graph are at most {maxBytes:N0}");
        var bytes = new byte[(int)length];
        for (var i = 0; i < bytes.Length;)
        {
            if (_bufferPosition == _bufferLength)
                Fill();
            var count = Math.Min(bytes.Length - i, _bufferLength - _bufferPosition);
            Array.Copy(_buffer, _bufferPosition, bytes, i, count);
            _bufferPosition += count;
            i += count;
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Enters the length-delimited message that follows; returns the outer range's end, to pass to
    /// <see cref="EndMessage"/>.
    /// </summary>
    public long BeginMessage()
    {
        var length = ReadLength();
        var outer = _limit;
        _limit = Position + length;
        return outer;
    }

    /// <summary>Skips whatever is left of the current message and returns to the enclosing one.</summary>
    public void EndMessage(long outerLimit)
    {
        SkipBytes(_limit - Position);
        _limit = outerLimit;
    }

    /// <summary>Skips the value of a field whose key was just read; a length-delimited value is passed over with a Seek.</summary>
    public void SkipField(int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                CheckRemaining(8, "an 8-byte value");
                SkipBytes(8);
                break;
            case WireFixed32:
                CheckRemaining(4, "a 4-byte value");
                SkipBytes(4);
                break;
            case WireLengthDelimited:
                SkipBytes(ReadLength());
                break;
            default:
                throw Invalid($"wire type {wireType} cannot be skipped");
        }
    }

    /// <summary>
    /// Appends a repeated int64 field's values: one value when unpacked (<see cref="WireVarint"/>), or a packed run
    /// (<see cref="WireLengthDelimited"/>). protobuf 3 writes packed, older writers unpacked; both are valid.
    /// </summary>
    public void ReadRepeatedInt64(int wireType, List<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (wireType == WireVarint)
        {
            values.Add(ReadInt64());
            return;
        }
        if (wireType != WireLengthDelimited)
            throw Invalid($"a repeated integer field has wire type {wireType}");
        var outer = BeginMessage();
        while (Position < _limit)
            values.Add(ReadInt64());
        EndMessage(outer);
    }

    private long ReadLength()
    {
        var start = Position;
        var length = ReadVarint();
        var remaining = _limit - Position;
        if (length > (ulong)remaining)
        {
            throw Invalid(
                $"the field at byte {start:N0} declares {length:N0} bytes, but only {remaining:N0} remain before {EndDescription()}");
        }
        return (long)length;
    }

    // The caller adds the file name; this says what is wrong and where.
    private static InvalidDataException Invalid(FormattableString what) => new(what.ToString(CultureInfo.InvariantCulture));

    private void CheckRemaining(long count, string what)
    {
        if (_limit - Position < count)
            throw Invalid($"{what} at byte {Position:N0} runs past {EndDescription()}");
    }

    private string EndDescription() => _limit == _length
        ? string.Create(CultureInfo.InvariantCulture, $"the end of the file (byte {_length:N0})")
        : string.Create(CultureInfo.InvariantCulture, $"the end of its enclosing message (byte {_limit:N0})");

    private byte ReadByte()
    {
        if (_bufferPosition == _bufferLength)
            Fill();
        return _buffer[_bufferPosition++];
    }

    private void Fill()
    {
        _bufferStart += _bufferLength;
        _bufferPosition = 0;
        _bufferLength = 0;
        var want = (int)Math.Min(BufferSize, Math.Max(0, _length - _bufferStart));
        while (_bufferLength < want)
        {
            var read = _stream.Read(_buffer, _bufferLength, want - _bufferLength);
            if (read == 0)
                break;
            _bufferLength += read;
        }
        // Lengths were checked against the stream length, so running dry means the file shrank while being read.
        if (_bufferLength == 0)
            throw Invalid($"the file ended at byte {_bufferStart:N0} while being read");
    }

    private void SkipBytes(long count)
    {
        if (count <= _bufferLength - _bufferPosition)
        {
            _bufferPosition += (int)count;
            return;
        }
        // Past the buffer: seek, so a multi-gigabyte weight blob costs one system call instead of a read.
        var target = Position + count;
        _stream.Seek(target, SeekOrigin.Begin);
        _bufferStart = target;
        _bufferPosition = 0;
        _bufferLength = 0;
    }
}
