using SvdWeb.TestSupport;

namespace SvdWeb.Cli.Tests;

public sealed class ModelsCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("svdweb-models-").FullName;

    [Fact]
    public async Task Models_RepositoryModelsFolder_ListsTinyPackAsValid()
    {
        var run = await CliProcess.RunAsync(Fixtures.RepoRoot, null, TestContext.Current.CancellationToken, "models");

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("tiny-svd: ok — 6 frames", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_PackMissingUNet_ListsProblemAndExitsOne()
    {
        var pack = Path.Combine(_work, "broken");
        CopyDirectory(Fixtures.TinyPack, pack);
        File.Delete(Path.Combine(pack, "unet", "model.onnx"));

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "models", _work);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("broken: INVALID", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("unet/model.onnx", run.StandardOutput, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
