using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Loop;

/// <summary>
/// The device tensors of <see cref="DeviceDenoisingLoop"/>: the UNet's five bound values, the image block and the two
/// latents buffers used in turn. Allocated per run, or once per captured shape (<see cref="CapturedShapes"/>), where
/// they must outlive every replay: a captured graph reads and writes the addresses it saw when it was captured.
/// </summary>
internal sealed class DenoisingBuffers : IDisposable
{
    private readonly OrtValue[] _all;

    public DenoisingBuffers(OrtAllocator allocator, DenoisingShape shape)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        ArgumentNullException.ThrowIfNull(shape);
        var made = new List<OrtValue>();
        OrtValue Make(TensorElementType type, long[] dims)
        {
            var value = OrtValue.CreateAllocatedTensorValue(allocator, type, dims);
            made.Add(value);
            return value;
        }
        try
        {
            Sample = Make(shape.SampleType, shape.Sample);
            Timestep = Make(shape.TimestepType, [shape.TimestepCount]);
            EncoderHiddenStates = Make(shape.EncoderHiddenStatesType, shape.EncoderHiddenStates);
            AddedTimeIds = Make(shape.AddedTimeIdsType, shape.AddedTimeIds);
            NoisePred = Make(shape.NoisePredType, shape.Batch);
            ImageBlock = Make(shape.SampleType, shape.Batch);
            LatentsA = Make(TensorElementType.Float, shape.Latents);
            LatentsB = Make(TensorElementType.Float, shape.Latents);
        }
        catch
        {
            foreach (var value in made) value.Dispose();
            throw;
        }
        _all = [.. made];
    }

    public OrtValue Sample { get; }

    public OrtValue Timestep { get; }

    public OrtValue EncoderHiddenStates { get; }

    public OrtValue AddedTimeIds { get; }

    public OrtValue NoisePred { get; }

    public OrtValue ImageBlock { get; }

    public OrtValue LatentsA { get; }

    public OrtValue LatentsB { get; }

    /// <summary>True once freed (a dropped captured shape's buffers).</summary>
    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        foreach (var value in _all) value.Dispose();
        IsDisposed = true;
    }
}
