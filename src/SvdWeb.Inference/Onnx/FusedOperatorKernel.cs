namespace SvdWeb.Inference.Onnx;

/// <summary>Where ONNX Runtime 1.31 has a kernel for one com.microsoft operator, per provider and element type, and
/// whether SvdWeb can rewrite it into standard operators instead (<see cref="FusedOperatorDecomposition"/>,
/// <see cref="AttentionDecomposition"/>).</summary>
internal sealed record FusedOperatorKernel(string OpType, bool CpuFloat, bool CpuHalf, bool CudaFloat, bool CudaHalf, bool Decomposable)
{
    /// <summary>ONNX Runtime runs the operator itself on that provider, in that element type.</summary>
    public bool HasKernel(bool cuda, bool half) => (cuda, half) switch
    {
        (true, true) => CudaHalf,
        (true, false) => CudaFloat,
        (false, true) => CpuHalf,
        (false, false) => CpuFloat,
    };
}
