namespace SvdWeb.Inference.Onnx;

/// <summary>
/// A graph input or output as the ONNX file declares it (<c>ValueInfoProto</c>): its name, element type
/// (<see cref="OnnxElementType"/>; <see cref="OnnxElementType.Undefined"/> when the value is not a tensor) and shape,
/// null when the file declares none.
/// </summary>
internal sealed record OnnxValueInfo(string Name, int ElementType, IReadOnlyList<OnnxDim>? Shape)
{
    /// <summary>The declared shape as "[B,F,8,h,w]", or "[unknown shape]".</summary>
    public string ShapeText => Shape is null ? "[unknown shape]" : $"[{string.Join(',', Shape)}]";
}
