using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SvdWeb.TestSupport;

/// <summary>
/// Reads and writes numpy's .npy format (versions 1 to 3, C order, little-endian), enough for the golden fixtures.
/// Format: magic "\x93NUMPY", major, minor, header length (u16 for v1, u32 for v2/v3), a Python dict literal
/// padded with spaces to a multiple of 64 bytes, then the raw array.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    public static NpyArray Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new FormatException("not an .npy file (the magic string \\x93NUMPY is missing).");
        int major = bytes[6];
        int headerLength, offset;
        switch (major)
        {
            case 1:
                headerLength = BitConverter.ToUInt16(bytes[8..10]);
                offset = 10;
                break;
            case 2 or 3:
                headerLength = checked((int)BitConverter.ToUInt32(bytes[8..12]));
                offset = 12;
                break;
            default:
                throw new FormatException($"npy format version {major} is not supported (1 to 3 are).");
        }

        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(offset, headerLength));
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new FormatException($"npy header is malformed: {header.Trim()}");
        if (order.Groups[1].Value != "False")
            throw new FormatException("Fortran-ordered npy arrays are not supported.");

        var dims = shape.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture))
            .ToArray();
        var dtype = descr.Groups[1].Value;
        var itemSize = ItemSize(dtype);
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var dataStart = offset + headerLength;
        var expected = count * itemSize;
        if (bytes.Length - dataStart != expected)
            throw new FormatException($"npy data is {bytes.Length - dataStart} bytes, but shape ({string.Join(",", dims)}) of {dtype} needs {expected}.");
        return new NpyArray(dims, dtype, bytes[dataStart..].ToArray());
    }

    public static void Save(string path, ReadOnlySpan<float> values, params int[] shape) =>
        Save(path, "<f4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), shape);

    public static void Save(string path, ReadOnlySpan<byte> values, params int[] shape) =>
        Save(path, "|u1", values, shape);

    private static void Save(string path, string dtype, ReadOnlySpan<byte> data, int[] shape)
    {
        var dims = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {dims}, }}";
        var total = 10 + dict.Length + 1;
        var padded = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)padded.Length));
        stream.Write(Encoding.Latin1.GetBytes(padded));
        stream.Write(data);
    }

    private static int ItemSize(string dtype) => dtype switch
    {
        "<f4" or "<i4" or "<u4" => 4,
        "<f2" => 2,
        "|u1" or "|i1" or "|b1" => 1,
        "<f8" or "<i8" or "<u8" => 8,
        _ => throw new FormatException($"npy dtype '{dtype}' is not supported."),
    };

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
