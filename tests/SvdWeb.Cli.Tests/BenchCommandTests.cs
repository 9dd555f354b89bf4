using System.Globalization;
using System.Text.RegularExpressions;
using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

public sealed partial class BenchCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-bench-cli-").FullName;

    [Theory]
    [InlineData("device")]
    [InlineData("host")]
    public async Task Bench_TinyPackOnCpu_PrintsStagesFlopsAndThroughput(string loop)
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack,
            "--size", "128x64", "--frames", "4", "--steps", "2", "--repeat", "2", "--device", "cpu", "--threads", "1", "--loop", loop);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains($"decode chunk 4, {loop} loop, 2 timed run(s)", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("graph optimisation all; CUDA options: cudnn_conv_algo_search HEURISTIC, arena_extend_strategy kSameAsRequested", run.StandardOutput, StringComparison.Ordinal);
        foreach (var stage in new[] { "image encoder", "VAE encode", "UNet step", "decode per chunk", "video encode (MP4)" })
            Assert.Matches(new Regex($@"^{Regex.Escape(stage)}\s+\d+\.\d\s+\d+\.\d$", RegexOptions.Multiline), run.StandardOutput);
        var gflop = double.Parse(GflopLine().Match(run.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(gflop, 0.1, 100);
        Assert.Contains("TFLOP/s", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("peak GPU memory: n/a (CPU run)", run.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_work));
    }

    [Fact]
    public async Task Bench_MemoryOptions_SaysThemAndTimesTheReloads()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack,
            "--size", "128x64", "--frames", "4", "--steps", "1", "--repeat", "1", "--device", "cpu", "--threads", "1",
            "--model-cpu-offload", "--forward-chunking");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("memory options: model CPU offload, forward chunking", run.StandardOutput, StringComparison.Ordinal);
        var reloads = Regex.Match(run.StandardOutput, @"^offload reloads\s+(\d+\.\d)\s+\d+\.\d", RegexOptions.Multiline);
        Assert.True(reloads.Success, run.StandardOutput);
        Assert.True(double.Parse(reloads.Groups[1].Value, CultureInfo.InvariantCulture) > 0, "an offloaded run brings its networks back");
        Assert.Contains("UNet work: n/a (with model CPU offload", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_TensorRtWithoutCuda_SaysItIsNotUsedAndRunsOnCpu()
    {
        Assert.SkipWhen(Inference.Onnx.ExecutionProviders.Probe(new Inference.Onnx.ExecutionSettings()).IsCuda, "CUDA loads on this machine.");
        var cache = Path.Combine(_work, "trt");

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack,
            "--size", "128x64", "--frames", "2", "--steps", "1", "--repeat", "1", "--device", "auto", "--threads", "1", "--tensorrt-cache", cache);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Matches(new Regex(@"on CPU: CUDA unavailable \(.+\); running on CPU\. TensorRT, which needs CUDA, is not used\.$", RegexOptions.Multiline), run.StandardOutput);
        Assert.False(Directory.Exists(cache), "no engine cache is made where TensorRT does not run");
    }

    [Fact]
    public async Task Bench_NoFfmpegOnPath_SkipsTheMp4EncodeAndReportsTheRest()
    {
        // A bare GPU machine has no ffmpeg: the pipeline's timings must still come out.
        var run = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["PATH"] = _work }, TestContext.Current.CancellationToken, "bench",
            "--model", Fixtures.TinyPack, "--size", "128x64", "--frames", "2", "--steps", "1", "--repeat", "1", "--device", "cpu", "--threads", "1");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("ffmpeg and ffprobe are not on PATH: the MP4 encode is skipped", run.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^video encode \(MP4\)\s+n/a \(no ffmpeg\)$", RegexOptions.Multiline), run.StandardOutput);
        Assert.Matches(new Regex(@"^UNet step\s+\d+\.\d\s+\d+\.\d$", RegexOptions.Multiline), run.StandardOutput);
    }

    [Theory]
    [InlineData("off", "CUDA graphs: off (--cuda-graphs off)")]
    [InlineData("on", "CUDA graphs: not used (the plain CUDA provider only")]
    public async Task Bench_CudaGraphsFlag_SaysWhetherTheyAreUsed(string flag, string expected)
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack,
            "--size", "128x64", "--frames", "2", "--steps", "1", "--repeat", "1", "--device", "cpu", "--threads", "1", "--cuda-graphs", flag);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains(expected, run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_CudaGraphsFlagNeitherOnNorOff_IsRefused()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack,
            "--cuda-graphs", "yes");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'yes'", run.StandardError + run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("on", run.StandardError + run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_BadSize_OneLineReason()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack, "--size", "big");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--size must be WIDTHxHEIGHT, e.g. 1024x576, but is 'big'", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--loop", "gpu", "'host'")]
    [InlineData("--cudnn-conv-algo-search", "FASTEST", "'EXHAUSTIVE'")]
    [InlineData("--arena-extend-strategy", "kDouble", "'kNextPowerOfTwo'")]
    [InlineData("--graph-optimization", "max", "'extended'")]
    public async Task Bench_UnknownSettingValue_RefusedWithTheAllowedValues(string option, string value, string allowed)
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "bench", "--model", Fixtures.TinyPack, option, value);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"Argument '{value}' not recognized. Must be one of:", run.StandardError, StringComparison.Ordinal);
        Assert.Contains(allowed, run.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"UNet work: (\d+\.\d+) GFLOP per UNet call")]
    private static partial Regex GflopLine();

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
