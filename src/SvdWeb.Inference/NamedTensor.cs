namespace SvdWeb.Inference;

/// <summary>
/// One intermediate tensor a pipeline stage returns for the <see cref="TensorObserver"/>: the golden-file name, its
/// values (row-major float32, valid until the next stage runs) and its shape.
/// </summary>
internal readonly record struct NamedTensor(string Name, ReadOnlyMemory<float> Values, int[] Shape);
