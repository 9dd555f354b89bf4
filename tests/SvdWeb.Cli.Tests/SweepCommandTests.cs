using SvdWeb.Inference;
using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

/// <summary><c>svdweb sweep</c> on the tiny pack: one MP4 and recipe per cell with that cell's values, and the grid of
/// all of them side by side (real ffmpeg); a bad --vary fails before any weights load.</summary>
public sealed class SweepCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-cli-sweep-").FullName;

    [Fact]
    public async Task Sweep_TwoByTwo_WritesEveryCellWithItsValuesAndTheGrid()
    {
        var ct = TestContext.Current.CancellationToken;

        var run = await CliProcess.RunAsync(_work, null, ct, "sweep", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("logo_128x64.png"),
            "--out", "out", "--height", "64", "--width", "128", "--num-frames", "3", "--num-inference-steps", "2", "--seed", "7",
            "--vary", "motion_bucket_id=60,200", "--vary", "fps=6,8", "--device", "cpu", "--threads", "1");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StandardError}");
        foreach (var (row, column, motion, fps) in new[] { (0, 0, 60, 6), (0, 1, 200, 6), (1, 0, 60, 8), (1, 1, 200, 8) })
        {
            var recipe = SvdRecipe.FromJson(await File.ReadAllTextAsync(Path.Combine(_work, "out", $"cell_r{row}_c{column}.recipe.json"), ct));
            Assert.Equal((motion, fps, 7L), (recipe.MotionBucketId, recipe.Fps, recipe.Seed));
            var cell = await FfprobeInfo.ReadAsync(Path.Combine(_work, "out", $"cell_r{row}_c{column}.mp4"), ct);
            Assert.Equal((128, 64, 3), (cell.Width, cell.Height, cell.Frames));
        }
        var grid = await FfprobeInfo.ReadAsync(Path.Combine(_work, "out", "grid.mp4"), ct);
        Assert.Equal(("h264", 2 * 128, 2 * 64, 3, "6/1"), (grid.Codec, grid.Width, grid.Height, grid.Frames, grid.FrameRate));
    }

    [Fact]
    public async Task Sweep_TooManyCells_Exit1NamingTheLimitAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;

        var run = await CliProcess.RunAsync(_work, null, ct, "sweep", "--model", Fixtures.TinyPack, "--image", Fixtures.Image("logo_128x64.png"),
            "--out", "out", "--vary", "seed=1,2,3,4,5", "--vary", "fps=5,6,7,8", "--device", "cpu");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("5 × 4 = 20 cells; a sweep has at most 16", run.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work, "out")));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
