namespace SvdWeb.Inference.Onnx;

/// <summary>
/// The com.microsoft operators ONNX Runtime's UNet optimizer (and SvdWeb's export) can write, with the providers and
/// element types the ONNX Runtime SvdWeb ships (1.31, Directory.Packages.props) has kernels for, from ONNX Runtime's
/// docs/OperatorKernels.md (the CPUExecutionProvider and CUDAExecutionProvider sections, com.microsoft domain). The
/// export tool's allow-list (tools/export/export_svd_onnx.py, <c>SHIPPED_ORT_KERNELS</c>) is this table.
/// </summary>
/// <remarks>
/// Why a table and not a trial session: a missing kernel surfaces from ONNX Runtime as "Could not find an
/// implementation for GroupNorm(1) node with name …", after minutes of reading weights, and names neither the pack nor
/// the fix. TensorRT takes what it can and hands the rest to CUDA, so it counts as CUDA here.
/// </remarks>
internal static class FusedOperatorKernels
{
    public const string MicrosoftDomain = "com.microsoft";

    private static readonly Dictionary<string, FusedOperatorKernel> Kernels = new FusedOperatorKernel[]
    {
        //                      op                        CPU f32 CPU f16 CUDA f32 CUDA f16 decomposable
        new("GroupNorm",              CpuFloat: false, CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("SkipGroupNorm",          CpuFloat: false, CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("BiasSplitGelu",          CpuFloat: false, CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("BiasAdd",                CpuFloat: false, CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("NhwcConv",               CpuFloat: false, CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("Gelu",                   CpuFloat: true,  CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("MultiHeadAttention",     CpuFloat: true,  CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: true),
        new("SkipLayerNormalization", CpuFloat: true,  CpuHalf: true,  CudaFloat: true, CudaHalf: true, Decomposable: false),
        new("BiasGelu",               CpuFloat: true,  CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: false),
        new("FastGelu",               CpuFloat: true,  CpuHalf: false, CudaFloat: true, CudaHalf: true, Decomposable: false),
    }.ToDictionary(k => k.OpType, StringComparer.Ordinal);

    /// <summary>Every operator of the table, by name.</summary>
    public static IReadOnlyDictionary<string, FusedOperatorKernel> All => Kernels;

    /// <summary>The table's row for <paramref name="opType"/>, or null for an operator SvdWeb does not know.</summary>
    public static FusedOperatorKernel? Find(string opType) => Kernels.GetValueOrDefault(opType);

    /// <summary>
    /// Whether <paramref name="opType"/> runs on the provider: ONNX Runtime has a kernel there, or (on the CPU, where
    /// the load-time rewrites apply) SvdWeb decomposes it into standard operators.
    /// </summary>
    public static bool Runs(string opType, bool cuda, bool half) => Find(opType) is { } kernel
        && (kernel.HasKernel(cuda, half) || (!cuda && kernel.Decomposable));

    /// <summary>
    /// Refuses a graph holding a com.microsoft operator that neither has a kernel on the provider nor is decomposed there.
    /// </summary>
    /// <param name="packFolder">For the message.</param>
    /// <param name="graph">The graph's name as the user knows it ("UNet").</param>
    /// <param name="operators">The graph's com.microsoft operators and their counts.</param>
    /// <param name="provider">Where the session would run.</param>
    /// <param name="half">The graph computes in float16.</param>
    /// <exception cref="ModelPackException">An operator cannot run there; the message names it, the graph, the provider and the fix.</exception>
    public static void Check(string packFolder, string graph, IReadOnlyDictionary<string, int> operators, ExecutionProviderInfo provider, bool half)
    {
        ArgumentNullException.ThrowIfNull(operators);
        ArgumentNullException.ThrowIfNull(provider);
        var missing = operators.Keys.Where(op => !Runs(op, provider.IsCuda, half)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count == 0) return;
        var precision = half ? "float16" : "float32";
        var where = provider.IsCuda ? "CUDA" : "CPU";
        var names = string.Join(", ", missing.Select(op => $"com.microsoft {op} ({operators[op]} node{(operators[op] == 1 ? "" : "s")})"));
        var fix = provider.IsCuda
            ? "Re-export the pack with tools/export/export_svd_onnx.py --no-optimize (the unfused graph runs everywhere)."
            : "Run it on the CUDA provider, or re-export the pack with tools/export/export_svd_onnx.py --no-optimize (the unfused graph runs everywhere).";
        throw new ModelPackException(packFolder,
            $"the {graph} graph uses {names}, which ONNX Runtime {OrtVersion} has no {precision} kernel for on the {where} provider " +
            $"and SvdWeb cannot decompose there. {fix}");
    }

    /// <summary>The ONNX Runtime version the table describes (Directory.Packages.props).</summary>
    public const string OrtVersion = "1.31";
}
