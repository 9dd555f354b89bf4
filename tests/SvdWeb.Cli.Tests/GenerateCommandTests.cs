using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SvdWeb.Inference;
using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-cli-").FullName;

    [Fact]
    public async Task Generate_TinyPackGoldenCaseA_WritesPlayableMp4AndGoldenFrames()
    {
        var ct = TestContext.Current.CancellationToken;
        var video = Path.Combine(_work, "out", "video.mp4");
        var frames = Path.Combine(_work, "frames");

        var run = await CliProcess.RunAsync(_work, null, ct, "generate", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("logo_128x64.png"),
            "--out", video, "--frames-dir", frames, "--height", "64", "--width", "128", "--num-frames", "6", "--num-inference-steps", "4",
            "--min-guidance-scale", "1.0", "--max-guidance-scale", "3.0", "--fps", "7", "--motion-bucket-id", "127",
            "--noise-aug-strength", "0.02", "--decode-chunk-size", "4", "--seed", "42", "--device", "cpu", "--threads", "1");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        var probe = await FfprobeInfo.ReadAsync(video, ct);
        Assert.Equal(new FfprobeInfo("h264", "yuv420p", 128, 64, 6, "7/1"), probe);
        Assert.True(FfprobeInfo.IsFastStart(video), "moov atom is not before mdat (+faststart missing).");

        // The PNG frames are the pipeline's uint8 output: diffusers' golden frames within the fixtures README's
        // ORT-vs-torch tolerance for case A (1 level, at most 43 values).
        var golden = Fixtures.Golden("pipeline/A/frames_uint8.npy");
        var actual = new byte[golden.Data.Length];
        for (var f = 0; f < 6; f++)
        {
            using var image = Image.Load<Rgb24>(Path.Combine(frames, $"frame_{f:D4}.png"));
            image.CopyPixelDataTo(actual.AsSpan(f * 64 * 128 * 3, 64 * 128 * 3));
        }
        TensorAssert.Close("cli_frames_uint8", golden.ToUInt8(), golden.Shape, actual, maxLevels: 1, maxDiffering: 43);
        Assert.False(File.Exists(Path.Combine(frames, "frame_0006.png")));

        var recipe = SvdRecipe.FromJson(await File.ReadAllTextAsync(Path.Combine(_work, "out", "video.recipe.json"), ct));
        Assert.Equal(new SvdRecipe
        {
            Model = "tiny-svd", Height = 64, Width = 128, NumFrames = 6, NumInferenceSteps = 4, MinGuidanceScale = 1f, MaxGuidanceScale = 3f,
            Fps = 7, MotionBucketId = 127, NoiseAugStrength = 0.02f, DecodeChunkSize = 4, Seed = 42,
        }, recipe);
        Assert.Empty(Directory.GetFiles(Path.Combine(_work, "out"), "*.tmp*"));
    }

    [Fact]
    public async Task Generate_FromWrittenRecipe_ReproducesFrames()
    {
        var ct = TestContext.Current.CancellationToken;
        var common = new[] { "generate", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("rose_70x46.png"), "--device", "cpu" };
        var first = await CliProcess.RunAsync(_work, null, ct, [.. common, "--out", "a.mp4", "--frames-dir", "a", "--height", "64", "--width", "64",
            "--num-frames", "3", "--num-inference-steps", "2", "--num-videos-per-prompt", "2"]);
        Assert.True(first.ExitCode == 0, first.StandardError);

        var second = await CliProcess.RunAsync(_work, null, ct, [.. common, "--out", "b.mp4", "--frames-dir", "b", "--recipe", "a.recipe.json"]);

        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.True(File.Exists(Path.Combine(_work, "a_1.mp4")));
        foreach (var video in new[] { "video_0", "video_1" })
        {
            for (var f = 0; f < 3; f++)
            {
                var name = Path.Combine(video, $"frame_{f:D4}.png");
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_work, "a", name), ct), await File.ReadAllBytesAsync(Path.Combine(_work, "b", name), ct));
            }
        }
    }

    [Fact]
    public async Task Generate_RecipeFromItsMp4AndFromAPngFrame_ReproducesFrames()
    {
        var ct = TestContext.Current.CancellationToken;
        var common = new[] { "generate", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("rose_70x46.png"), "--device", "cpu" };
        var first = await CliProcess.RunAsync(_work, null, ct, [.. common, "--out", "a.mp4", "--frames-dir", "a", "--height", "64", "--width", "64",
            "--num-frames", "3", "--num-inference-steps", "2", "--motion-bucket-id", "90"]);
        Assert.True(first.ExitCode == 0, first.StandardError);
        File.Delete(Path.Combine(_work, "a.recipe.json"));

        // The recipe JSON is gone: the video and a single frame carry the recipe themselves.
        foreach (var (source, output) in new[] { ("a.mp4", "b"), (Path.Combine("a", "frame_0001.png"), "c") })
        {
            var again = await CliProcess.RunAsync(_work, null, ct, [.. common, "--out", $"{output}.mp4", "--frames-dir", output, "--recipe", source]);

            Assert.True(again.ExitCode == 0, again.StandardError);
            Assert.Contains("seed ", again.StandardError, StringComparison.Ordinal);
            for (var f = 0; f < 3; f++)
            {
                var name = $"frame_{f:D4}.png";
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_work, "a", name), ct), await File.ReadAllBytesAsync(Path.Combine(_work, output, name), ct));
            }
        }
    }

    [Fact]
    public async Task Generate_Draft_RunsThePacksDraftStepsAndSaysHowToMakeTheFinal()
    {
        var ct = TestContext.Current.CancellationToken;

        var run = await CliProcess.RunAsync(_work, null, ct, "generate", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("logo_128x64.png"),
            "--out", "draft.mp4", "--height", "64", "--width", "128", "--num-frames", "3", "--num-inference-steps", "12", "--seed", "9",
            "--device", "cpu", "--threads", "1", "--draft");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        Assert.Contains("draft: 8 of 12 denoising steps; for the final, run it again without --draft and with --seed 9", run.StandardError, StringComparison.Ordinal);
        var recipe = SvdRecipe.FromJson(await File.ReadAllTextAsync(Path.Combine(_work, "draft.recipe.json"), ct));
        Assert.Equal((8, 9L), (recipe.NumInferenceSteps, recipe.Seed));
    }

    [Fact]
    public async Task Generate_RecipeFromAPlainImage_SaysItCarriesNone()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "generate", "--model", Fixtures.TinyPack,
            "--image", Fixtures.Image("logo_128x64.png"), "--out", "v.mp4", "--device", "cpu", "--recipe", Fixtures.Image("logo_128x64.png"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("carries no SvdWeb recipe", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "v.mp4")));
    }

    [Fact]
    public async Task Generate_FfmpegNotOnPath_ExitsWithInstallHint()
    {
        var dotnetFolder = Path.GetDirectoryName(CliProcess.DotnetHost()) ?? "/usr/bin";
        var run = await CliProcess.RunAsync(_work, new Dictionary<string, string> { ["PATH"] = dotnetFolder }, TestContext.Current.CancellationToken,
            "generate", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("logo_128x64.png"), "--out", "v.mp4");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("ffmpeg and ffprobe were not found on PATH", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("apt-get install ffmpeg", run.StandardError, StringComparison.Ordinal);
        Assert.Single(run.StandardError.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--height", "72", "height must be a multiple of 16")]
    [InlineData("--num-inference-steps", "0", "numInferenceSteps must be between 1 and 200")]
    [InlineData("--max-guidance-scale", "0.5", "minGuidanceScale (1) is above maxGuidanceScale (0.5)")]
    public async Task Generate_ParameterOutOfRange_OneLineReasonAndExitOne(string option, string value, string expected)
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "generate", "--model", Fixtures.TinyPack,
            "--image", Fixtures.Image("logo_128x64.png"), "--out", "v.mp4", "--device", "cpu", option, value);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "v.mp4")));
    }

    [Fact]
    public async Task Generate_ImageMissing_NamesFile()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken,
            "generate", "--model", Fixtures.TinyPack, "--image", "nope.png", "--out", "v.mp4");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("nope.png", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Generate_ListsDiffusersParameters()
    {
        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "generate", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var option in new[] { "--num-frames", "--num-inference-steps", "--min-guidance-scale", "--max-guidance-scale", "--fps",
                     "--motion-bucket-id", "--noise-aug-strength", "--decode-chunk-size", "--num-videos-per-prompt", "--seed", "--fit", "--frames-dir", "--recipe" })
            Assert.Contains(option, run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_CudaGraphsFlag_TakesOnOrOffOnly()
    {
        var help = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "generate", "--help");
        var refused = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "generate", "--model", Fixtures.TinyPack,
            "--image", "in.png", "--out", "out.mp4", "--cuda-graphs", "maybe");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--cuda-graphs", help.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("'maybe'", refused.StandardError + refused.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "out.mp4")));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
