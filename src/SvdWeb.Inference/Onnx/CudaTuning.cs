namespace SvdWeb.Inference.Onnx;

/// <summary>
/// The CUDA provider options worth measuring per GPU (svdweb bench takes them; the defaults are what a shared server
/// with varying request sizes wants). Values are the provider's own option strings.
/// </summary>
/// <param name="CudnnConvAlgoSearch">HEURISTIC (default): cuDNN's heuristic pick, no per-shape cost. EXHAUSTIVE: times
/// every algorithm the first time a shape is seen — seconds per new shape, possibly faster steps after. DEFAULT: the
/// implicit-GEMM algorithm, no search.</param>
/// <param name="ArenaExtendStrategy">kSameAsRequested (default): the arena grows by what is asked, so peak memory stays
/// close to the real need on a shared GPU. kNextPowerOfTwo: fewer, larger growths, more memory held.</param>
public sealed record CudaTuning(string CudnnConvAlgoSearch = "HEURISTIC", string ArenaExtendStrategy = "kSameAsRequested")
{
    public static IReadOnlyList<string> ConvAlgoSearchValues { get; } = ["HEURISTIC", "EXHAUSTIVE", "DEFAULT"];

    public static IReadOnlyList<string> ArenaExtendStrategyValues { get; } = ["kSameAsRequested", "kNextPowerOfTwo"];

    public static CudaTuning Default { get; } = new();
}
