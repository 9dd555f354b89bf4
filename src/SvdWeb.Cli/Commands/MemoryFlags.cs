using System.CommandLine;

namespace SvdWeb.Cli.Commands;

/// <summary>diffusers' memory options as flags, shared by generate and bench (the third, --decode-chunk-size, is a recipe value).</summary>
internal static class MemoryFlags
{
    public static Option<bool> ModelCpuOffload() => new("--model-cpu-offload")
    {
        Description = "diffusers' enable_model_cpu_offload(): each network is on the device only while it runs; same frames, " +
            "one session creation per network per video.",
    };

    public static Option<bool> ForwardChunking() => new("--forward-chunking")
    {
        Description = "diffusers' unet.enable_forward_chunking(): the UNet's feed-forward one slice at a time; same frames, some speed.",
    };
}
