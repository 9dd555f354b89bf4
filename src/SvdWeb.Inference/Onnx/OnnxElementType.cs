namespace SvdWeb.Inference.Onnx;

/// <summary>
/// ONNX <c>TensorProto.DataType</c> codes (onnx/onnx.proto3) that validation talks about, and the names users see.
/// Names follow numpy/torch ("float32", not ONNX's "FLOAT") because pack precision is discussed in those words.
/// </summary>
internal static class OnnxElementType
{
    public const int Undefined = 0, Float = 1, Float16 = 10, Double = 11, BFloat16 = 16;

    /// <summary>True for the floating-point types a weight can be stored in.</summary>
    public static bool IsFloatingPoint(int type) => type is Float or Float16 or Double or BFloat16;

    public static string Name(int type) => type switch
    {
        Undefined => "undefined",
        Float => "float32",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        Float16 => "float16",
        Double => "float64",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        BFloat16 => "bfloat16",
        17 => "float8e4m3fn",
        18 => "float8e4m3fnuz",
        19 => "float8e5m2",
        20 => "float8e5m2fnuz",
        21 => "uint4",
        22 => "int4",
        23 => "float4e2m1",
        _ => $"element type {type}",
    };
}
