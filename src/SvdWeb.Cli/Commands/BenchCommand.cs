using SvdWeb.Inference.Memory;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Video;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb bench</c>: times a pack end to end on this machine. The first (warm-up) run is profiled by ONNX Runtime
/// to count the UNet's floating-point work per call from the shapes it really ran; the timed runs are not profiled.
/// Prints per-stage times, the UNet's achieved TFLOP/s, peak GPU memory (nvidia-smi, on CUDA) and the process's peak
/// working set. Without ffmpeg on PATH (a bare GPU machine) the MP4 encode is skipped and reported as n/a.
/// </summary>
internal static class BenchCommand
{
    private sealed record Options(Option<string> Model, Option<int?> Frames, Option<string?> Size, Option<int> Steps, Option<int> Repeat,
        Option<int?> DecodeChunkSize, Option<ExecutionDevice> Device, Option<int> Threads, Option<string> Loop,
        Option<string> ConvAlgoSearch, Option<string> ArenaStrategy, Option<string> GraphOptimization,
        Option<bool> ModelCpuOffload, Option<bool> ForwardChunking, Option<bool> CpuFusedAttention, Option<string?> TensorRtCache, Option<string> CudaGraphs);

    public static Command Create()
    {
        var o = new Options(
            new("--model") { Description = "Model pack folder.", Required = true },
            new("--frames") { Description = "Frames per video (default: the pack's num_frames)." },
            new("--size") { Description = "Output size WIDTHxHEIGHT, e.g. 1024x576 (default: the pack's)." },
            new("--steps") { Description = "Denoising steps per run (default 25).", DefaultValueFactory = _ => 25 },
            new("--repeat") { Description = "Timed runs after the warm-up (default 3).", DefaultValueFactory = _ => 3 },
            new("--decode-chunk-size") { Description = "Frames decoded at once (default: all)." },
            new("--device") { Description = "auto (CUDA when it loads, else CPU), cpu or cuda.", DefaultValueFactory = _ => ExecutionDevice.Auto },
            new("--threads") { Description = "CPU threads per operator (0: one per core).", DefaultValueFactory = _ => 0 },
            new Option<string>("--loop")
            {
                Description = "device: the denoising loop's glue runs on the UNet's device with I/O binding (the default); " +
                    "host: on the CPU, the UNet's tensors copied in and out every step (to measure the difference).",
                DefaultValueFactory = _ => "device",
            }.AcceptOnlyFromAmong("device", "host"),
            new Option<string>("--cudnn-conv-algo-search")
            {
                Description = "CUDA only: HEURISTIC (default), EXHAUSTIVE (times every algorithm per new shape) or DEFAULT.",
                DefaultValueFactory = _ => CudaTuning.Default.CudnnConvAlgoSearch,
            }.AcceptOnlyFromAmong([.. CudaTuning.ConvAlgoSearchValues]),
            new Option<string>("--arena-extend-strategy")
            {
                Description = "CUDA only: kSameAsRequested (default) or kNextPowerOfTwo.",
                DefaultValueFactory = _ => CudaTuning.Default.ArenaExtendStrategy,
            }.AcceptOnlyFromAmong([.. CudaTuning.ArenaExtendStrategyValues]),
            new Option<string>("--graph-optimization")
            {
                Description = "ONNX Runtime graph optimisation level: all (default), extended, basic or disabled.",
                DefaultValueFactory = _ => "all",
            }.AcceptOnlyFromAmong("all", "extended", "basic", "disabled"),
            MemoryFlags.ModelCpuOffload(), MemoryFlags.ForwardChunking(),
            new Option<bool>("--cpu-fused-attention")
            {
                Description = "CPU only: run a fused pack's attention with ONNX Runtime's float32 CPU kernel (flash attention) instead " +
                    "of the exact decomposition into the traced operators; to measure the memory fused attention saves.",
            },
            new Option<string?>("--tensorrt-cache")
            {
                Description = "CUDA only: run through the TensorRT provider (TensorRT 10 for CUDA 13 must be installed), keeping built " +
                    "engines in this folder; the warm-up run then includes the engine build for the shape (minutes at full size).",
            },
            CudaGraphsFlag.Create());
        var command = new Command("bench", "Time a model pack: per-stage times, UNet TFLOP/s, peak memory.")
        {
            o.Model, o.Frames, o.Size, o.Steps, o.Repeat, o.DecodeChunkSize, o.Device, o.Threads, o.Loop,
            o.ConvAlgoSearch, o.ArenaStrategy, o.GraphOptimization, o.ModelCpuOffload, o.ForwardChunking, o.CpuFusedAttention,
            o.TensorRtCache, o.CudaGraphs,
        };
        command.SetAction((parse, ct) => CliErrors.RunAsync(() => RunAsync(parse, o, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Options o, CancellationToken ct)
    {
        var pack = ModelPack.Load(parse.GetRequiredValue(o.Model));
        var (width, height) = ParseSize(parse.GetValue(o.Size), pack);
        var repeat = parse.GetValue(o.Repeat);
        if (repeat < 1) throw new SvdInputException("repeat", $"--repeat must be at least 1, but is {repeat}.");
        var request = new SvdRecipe
        {
            Width = width, Height = height, NumFrames = parse.GetValue(o.Frames), NumInferenceSteps = parse.GetValue(o.Steps),
            DecodeChunkSize = parse.GetValue(o.DecodeChunkSize), Seed = 42,
        };
        var recipe = request.Resolve(pack);
        var image = Gradient(width, height);
        var ffmpeg = FfmpegTool.FindFolder();
        var memory = new MemoryOptions(parse.GetValue(o.ModelCpuOffload), parse.GetValue(o.ForwardChunking));
        var profileFolder = Directory.CreateTempSubdirectory("svdweb-bench-").FullName;
        try
        {
            using var pipeline = SvdPipeline.Load(pack, new ExecutionSettings(parse.GetValue(o.Device), IntraOpNumThreads: parse.GetValue(o.Threads),
                ProfilePrefix: Path.Combine(profileFolder, "bench"), DeviceResidentLoop: parse.GetValue(o.Loop) != "host",
                GraphOptimizationLevel: parse.GetValue(o.GraphOptimization) switch
                {
                    "extended" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                    "basic" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                    "disabled" => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL,
                    _ => Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
                },
                Cuda: new CudaTuning(parse.GetRequiredValue(o.ConvAlgoSearch), parse.GetRequiredValue(o.ArenaStrategy)),
                Memory: memory, CpuFusedAttention: parse.GetValue(o.CpuFusedAttention),
                TensorRt: parse.GetValue(o.TensorRtCache) is { } trtCache ? new TensorRtSettings(Path.GetFullPath(trtCache)) : null,
                CudaGraphs: CudaGraphsFlag.IsOn(parse.GetValue(o.CudaGraphs))));
            Console.WriteLine(Invariant($"{pack.Name} ({pack.Precision}) on {pipeline.Provider}: {pipeline.Provider.Reason}"));
            if (pipeline.PrecisionWarning is { } precisionWarning) Console.WriteLine($"warning: {precisionWarning}");
            Console.WriteLine(Invariant($"graph optimisation {parse.GetValue(o.GraphOptimization)}; CUDA options: cudnn_conv_algo_search {parse.GetValue(o.ConvAlgoSearch)}, arena_extend_strategy {parse.GetValue(o.ArenaStrategy)}"));
            Console.WriteLine(Invariant($"{recipe.NumFrames} frames, {width}x{height}, {recipe.NumInferenceSteps} steps, CFG {(recipe.MaxGuidanceScale > 1 ? "on (UNet batch 2)" : "off")}, decode chunk {recipe.DecodeChunkSize}, {parse.GetValue(o.Loop)} loop, {repeat} timed run(s)"));
            Console.WriteLine($"CUDA graphs: {DescribeCudaGraphs(pipeline, CudaGraphsFlag.IsOn(parse.GetValue(o.CudaGraphs)))}");
            Console.WriteLine($"memory options: {memory.Describe()}{(parse.GetValue(o.CpuFusedAttention) ? "; attention: ONNX Runtime's CPU kernel" : "")}");
            if (ffmpeg is null) Console.WriteLine("ffmpeg and ffprobe are not on PATH: the MP4 encode is skipped");

            // Warm-up: first-call costs (kernel choice, arena growth) stay out of the timings; its profile gives the FLOPs.
            await pipeline.RunAsync(image, (request with { NumInferenceSteps = 1 }).Resolve(pack), null, ct).ConfigureAwait(false);
            // With model CPU offload each session, and its profile, ends with its stage: no FLOP count then.
            var unet = pipeline.EndProfiling().TryGetValue(PackComponent.UNet, out var profile) ? OnnxProfile.Read(profile) : null;

            using var gpuMemory = pipeline.Provider.IsCuda ? GpuMemoryPoller.Start(pipeline.Provider.DeviceId ?? 0) : null;
            var runs = new List<SvdTimings>();
            var encodeTimes = new List<TimeSpan>();
            var reloads = new List<TimeSpan>();
            for (var r = 0; r < repeat; r++)
            {
                var result = await pipeline.RunAsync(image, recipe, null, ct).ConfigureAwait(false);
                runs.Add(result.Timings);
                reloads.Add(pipeline.LastRunReloadTime);
                if (ffmpeg is not null)
                    encodeTimes.Add(await EncodeAsync(result.Videos[0], recipe.Fps, profileFolder, ct).ConfigureAwait(false));
            }
            Report(runs, encodeTimes, reloads, unet, gpuMemory);
        }
        finally
        {
            Directory.Delete(profileFolder, recursive: true);
        }
        return 0;
    }

    private static void Report(List<SvdTimings> runs, List<TimeSpan> encodeTimes, List<TimeSpan> reloads, OnnxProfile? unet, GpuMemoryPoller? gpuMemory)
    {
        static string Ms(IEnumerable<TimeSpan> times) => Invariant($"{times.Average(t => t.TotalMilliseconds),10:F1} {times.Min(t => t.TotalMilliseconds),10:F1}");
        var steps = runs.SelectMany(r => r.UNetSteps).ToArray();
        var chunks = runs.SelectMany(r => r.DecodeChunks).ToArray();
        Console.WriteLine();
        Console.WriteLine("stage                    mean ms     min ms");
        Console.WriteLine($"preprocess            {Ms(runs.Select(r => r.Preprocess))}");
        Console.WriteLine($"image encoder         {Ms(runs.Select(r => r.ImageEncoder))}");
        Console.WriteLine($"VAE encode            {Ms(runs.Select(r => r.VaeEncoder))}");
        Console.WriteLine($"UNet step             {Ms(steps)}");
        Console.WriteLine($"decode per chunk      {Ms(chunks)}");
        Console.WriteLine(encodeTimes.Count > 0 ? $"video encode (MP4)    {Ms(encodeTimes)}" : "video encode (MP4)    n/a (no ffmpeg)");
        Console.WriteLine($"offload reloads       {Ms(reloads)}  (in the stages above; 0 without --model-cpu-offload)");
        Console.WriteLine($"total (no encode)     {Ms(runs.Select(r => r.Total))}");
        var perStep = steps.Average(s => s.TotalSeconds);
        Console.WriteLine();
        if (unet is null)
        {
            Console.WriteLine("UNet work: n/a (with model CPU offload the UNet's session and its profile end with each run)");
        }
        else
        {
            Console.WriteLine(Invariant($"UNet work: {unet.FlopsPerRun / 1e9:F2} GFLOP per UNet call (ONNX Runtime profile: {string.Join(", ", unet.FlopsByOp.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value / unet.Flops:P0}"))})"));
            Console.WriteLine(Invariant($"UNet achieved: {unet.FlopsPerRun / perStep / 1e12:F3} TFLOP/s (mean step {perStep * 1000:F1} ms)"));
        }
        Console.WriteLine(Invariant($"time outside ONNX Runtime: {1 - runs.Sum(r => r.InOnnxRuntime.TotalSeconds) / runs.Sum(r => r.Total.TotalSeconds):P1}"));
        Console.WriteLine(gpuMemory is null
            ? "peak GPU memory: n/a (CPU run)"
            : gpuMemory.PeakMiB is { } peak ? Invariant($"peak GPU memory: {peak} MiB used on the device (nvidia-smi)") : "peak GPU memory: n/a (nvidia-smi not found)");
        Console.WriteLine(Invariant($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB"));
    }

    private static async Task<TimeSpan> EncodeAsync(SvdVideo video, int fps, string folder, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var frames = Enumerable.Range(0, video.NumFrames).Select(video.FrameRgb24).ToArray();
        await Mp4Writer.WriteAsync(Path.Combine(folder, "bench.mp4"), frames, video.Width, video.Height, fps, ct).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>What the run does about CUDA graphs, so a with/without pair of runs is told apart in the output.</summary>
    private static string DescribeCudaGraphs(SvdPipeline pipeline, bool asked) =>
        pipeline.UsesCudaGraphs ? "on (the UNet captured once per run shape, replayed every step)"
        : asked ? "not used (the plain CUDA provider only, without model CPU offload; or the UNet session refused them, see the log)"
        : "off (--cuda-graphs off)";

    private static (int Width, int Height) ParseSize(string? size, ModelPack pack)
    {
        if (size is null) return (pack.DefaultWidth, pack.DefaultHeight);
        var parts = size.ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var width) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var height))
            return (width, height);
        throw new SvdInputException("size", $"--size must be WIDTHxHEIGHT, e.g. 1024x576, but is '{size}'.");
    }

    /// <summary>A smooth test image at the output size, so the timings are of the pipeline, not of resizing a photo.</summary>
    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 3;
                (pixels[i], pixels[i + 1], pixels[i + 2]) = ((byte)(x * 255 / Math.Max(1, width - 1)), (byte)(y * 255 / Math.Max(1, height - 1)), 128);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
