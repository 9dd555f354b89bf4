using System.Diagnostics;
using System.Globalization;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Benchmarks.Pipeline;

/// <summary>
/// <c>pipeline</c>: end-to-end runs of the tiny pack on CPU, reporting time per stage and per UNet call, the share of
/// wall time spent outside ONNX Runtime, managed allocation per denoising step (from the difference between runs with
/// different step counts, so fixed per-run costs cancel) and the process's peak working set; each size with the
/// device-resident loop (the default) and with the host loop, which copies the UNet's tensors every step.
/// </summary>
internal static class TinyPipelineReport
{
    public static async Task<int> RunAsync(string[] args)
    {
        var threads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var devicePipeline = SvdPipeline.Load(pack, new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: threads));
        using var hostPipeline = SvdPipeline.Load(pack, new ExecutionSettings(ExecutionDevice.Cpu, IntraOpNumThreads: threads, DeviceResidentLoop: false));
        var image = ImageLoader.Load(Fixtures.Image("wizard_301x173.png"), ImageLimits.Default);
        Console.WriteLine($"tiny-svd on {devicePipeline.Provider} ({threads} intra-op thread(s)), {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        foreach (var (width, height, frames) in new[] { (128, 64, 6), (256, 128, 6), (512, 256, 14) })
        foreach (var (loop, pipeline) in new[] { ("device loop", devicePipeline), ("host loop", hostPipeline) })
        {
            var recipe = new SvdRecipe { Width = width, Height = height, NumFrames = frames, NumInferenceSteps = 10, Seed = 42 };
            await pipeline.RunAsync(image, (recipe with { NumInferenceSteps = 2 }).Resolve(pipeline.Pack));   // warm-up: kernels, first-run allocations

            var results = new List<SvdResult>();
            for (var r = 0; r < 3; r++) results.Add(await pipeline.RunAsync(image, recipe.Resolve(pipeline.Pack)));
            var best = results.MinBy(r => r.Timings.Total)!;
            var t = best.Timings;
            var perStep = t.UNetSteps.Average(s => s.TotalMilliseconds);
            var outside = 1 - t.InOnnxRuntime / t.Total;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{width}x{height}, {frames} frames, CFG, 10 steps, {loop}: total {t.Total.TotalMilliseconds:F0} ms | preprocess {t.Preprocess.TotalMilliseconds:F1} ms | image encoder {t.ImageEncoder.TotalMilliseconds:F1} ms | VAE encode {t.VaeEncoder.TotalMilliseconds:F1} ms | UNet step {perStep:F1} ms (min {t.UNetSteps.Min(s => s.TotalMilliseconds):F1}) | decode {t.DecodeChunks.Sum(c => c.TotalMilliseconds):F1} ms | outside ORT {outside:P1}"));

            var fewSteps = await AllocatedAsync(pipeline, image, recipe with { NumInferenceSteps = 4 });
            var manySteps = await AllocatedAsync(pipeline, image, recipe with { NumInferenceSteps = 12 });
            var latentBytes = frames * 4 * (height / 8) * (width / 8) * 4L;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    managed allocation per denoising step: {(manySteps - fewSteps) / 8.0 / 1024:F1} KiB (latents are {latentBytes / 1024.0:F0} KiB)"));
        }
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        return 0;
    }

    private static async Task<long> AllocatedAsync(SvdPipeline pipeline, RgbImage image, SvdRecipe recipe)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await pipeline.RunAsync(image, recipe.Resolve(pipeline.Pack));
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }
}

// Baseline (2026-11-30, AMD EPYC 2.60 GHz, 2 cores, 1 intra-op thread):
// 128x64, 6 frames, CFG, 10 steps: total 621 ms, UNet step 46.4 ms, decode 141 ms, outside ORT 1.7 %, 1.5 KiB per step
// 256x128, 6 frames: total 2968 ms, UNet step 232 ms, decode 616 ms, outside ORT 0.6 %, 1.2 KiB per step
// 512x256, 14 frames: total 54.7 s, UNet step 4.7 s (the tiny UNet's unfused attention), outside ORT 0.3 %, 1.4 KiB per step
// peak working set 8.2 GB (the 512x256 attention maps)
