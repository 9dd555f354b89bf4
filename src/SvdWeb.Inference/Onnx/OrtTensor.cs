using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// A float32 host tensor bound to an <see cref="OrtValue"/> of the element type the graph declares. The pipeline always
/// computes in <see cref="Values"/>; for a float16 input the values are rounded into a half staging buffer by
/// <see cref="CopyToOrt"/>, and for a float16 output widened back by <see cref="CopyFromOrt"/> (exact). The OrtValue wraps
/// the managed buffer without a copy and is created once, so a tensor reused every denoising step allocates nothing.
/// </summary>
internal sealed class OrtTensor : IDisposable
{
    private readonly Float16[]? _half;

    public OrtTensor(TensorElementType elementType, params long[] shape)
    {
        Shape = shape;
        var count = checked((int)shape.Aggregate(1L, (a, b) => a * b));
        Values = new float[count];
        switch (elementType)
        {
            case TensorElementType.Float:
                Value = OrtValue.CreateTensorValueFromMemory(Values, shape);
                break;
            case TensorElementType.Float16:
                _half = new Float16[count];
                Value = OrtValue.CreateTensorValueFromMemory(_half, shape);
                break;
            default:
                throw new NotSupportedException($"Tensor element type {elementType} is not float32 or float16.");
        }
        ElementType = elementType;
    }

    public float[] Values { get; }

    public long[] Shape { get; }

    public TensorElementType ElementType { get; }

    public bool IsHalf => _half is not null;

    public OrtValue Value { get; }

    public void CopyToOrt()
    {
        if (_half is not null)
            TensorPrimitives.ConvertToHalf(Values, MemoryMarshal.Cast<Float16, Half>(_half.AsSpan()));
    }

    public void CopyFromOrt()
    {
        if (_half is not null)
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(_half.AsSpan()), Values);
    }

    public void Dispose() => Value.Dispose();

    /// <summary>Copies an ORT-allocated output of either float type into <paramref name="destination"/> as float32.</summary>
    public static void ReadOutput(OrtValue value, Span<float> destination)
    {
        var info = value.GetTensorTypeAndShape();
        switch (info.ElementDataType)
        {
            case TensorElementType.Float:
                value.GetTensorDataAsSpan<float>().CopyTo(destination);
                break;
            case TensorElementType.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()), destination);
                break;
            default:
                throw new NotSupportedException($"Output element type {info.ElementDataType} is not float32 or float16.");
        }
    }

    /// <summary>Rounds float32 values to the nearest float16 in place: what a torch op in half precision stores.</summary>
    public static void RoundToHalfInPlace(Span<float> values)
    {
        Span<Half> chunk = stackalloc Half[512];
        for (var i = 0; i < values.Length; i += chunk.Length)
        {
            var part = values.Slice(i, Math.Min(chunk.Length, values.Length - i));
            var halves = chunk[..part.Length];
            TensorPrimitives.ConvertToHalf(part, halves);
            TensorPrimitives.ConvertToSingle(halves, part);
        }
    }
}
