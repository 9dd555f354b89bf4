namespace SvdWeb.TestSupport;

/// <summary>An array read from a numpy .npy file: its shape, its numpy dtype string and its raw little-endian bytes.</summary>
public sealed class NpyArray(int[] shape, string dtype, byte[] data)
{
    public int[] Shape { get; } = shape;

    /// <summary>numpy's descr, e.g. "&lt;f4", "&lt;f2", "|u1".</summary>
    public string Dtype { get; } = dtype;

    public byte[] Data { get; } = data;

    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The values widened to float32 (exact for f2, f4, u1; rounded for f8, i8).</summary>
    public float[] ToFloat32()
    {
        var result = new float[Length];
        var span = Data.AsSpan();
        switch (Dtype)
        {
            case "<f4":
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span).CopyTo(result);
                break;
            case "<f2":
                var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(span);
                for (var i = 0; i < result.Length; i++) result[i] = (float)halves[i];
                break;
            case "|u1":
                for (var i = 0; i < result.Length; i++) result[i] = span[i];
                break;
            case "<f8":
                var doubles = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(span);
                for (var i = 0; i < result.Length; i++) result[i] = (float)doubles[i];
                break;
            case "<i8":
                var longs = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span);
                for (var i = 0; i < result.Length; i++) result[i] = longs[i];
                break;
            default:
                throw new NotSupportedException($"npy dtype '{Dtype}' has no float32 view; expected <f4, <f2, |u1, <f8 or <i8.");
        }
        return result;
    }

    public Half[] ToFloat16() => Dtype == "<f2"
        ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Data.AsSpan()).ToArray()
        : throw new InvalidOperationException($"npy dtype is '{Dtype}', not <f2.");

    public byte[] ToUInt8() => Dtype == "|u1"
        ? Data
        : throw new InvalidOperationException($"npy dtype is '{Dtype}', not |u1.");
}
