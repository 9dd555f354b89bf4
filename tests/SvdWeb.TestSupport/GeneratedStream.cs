namespace SvdWeb.TestSupport;

/// <summary>
/// A large, non-seekable body made up on the fly (an optional prefix, then 'A's), counting how much of it a reader took:
/// for tests that an upload is refused without being read or buffered whole.
/// </summary>
public sealed class GeneratedStream(long totalBytes, byte[]? prefix = null) : Stream
{
    private readonly byte[] _prefix = prefix ?? [];

    /// <summary>Bytes handed out so far.</summary>
    public long Served { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => totalBytes;
    public override long Position { get => Served; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, totalBytes - Served);
        for (var i = 0; i < n; i++)
        {
            var position = Served + i;
            buffer[offset + i] = position < _prefix.Length ? _prefix[position] : (byte)'A';
        }
        Served += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
