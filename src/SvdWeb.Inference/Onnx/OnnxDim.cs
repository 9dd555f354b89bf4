using System.Globalization;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// One axis of a declared ONNX shape (<c>TensorShapeProto.Dimension</c>): a fixed size, a symbolic name such as "B",
/// or neither (an unnamed dynamic axis).
/// </summary>
internal readonly record struct OnnxDim(long? Value, string? Param)
{
    public override string ToString() =>
        Value?.ToString(CultureInfo.InvariantCulture) ?? (string.IsNullOrEmpty(Param) ? "?" : Param);
}
