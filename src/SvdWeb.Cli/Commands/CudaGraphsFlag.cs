using System.CommandLine;

namespace SvdWeb.Cli.Commands;

/// <summary><c>--cuda-graphs on|off</c>, shared by generate and bench: whether the UNet is captured as CUDA graphs
/// (on by default; used only on the plain CUDA provider without model CPU offload).</summary>
internal static class CudaGraphsFlag
{
    public const string On = "on", Off = "off";

    public static Option<string> Create() => new Option<string>("--cuda-graphs")
    {
        Description = "on (default): on CUDA, capture the UNet once per run shape as a CUDA graph and replay it each step; " +
            "same frames, less launch overhead. off: launch every kernel each step (to measure the difference). Ignored on " +
            "the CPU, with TensorRT and with --model-cpu-offload.",
        DefaultValueFactory = _ => On,
    }.AcceptOnlyFromAmong(On, Off);

    public static bool IsOn(string? value) => value != Off;
}
