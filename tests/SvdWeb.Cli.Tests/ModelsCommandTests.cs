using System.Security.Cryptography;
using System.Text;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
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

    [Fact]
    public async Task Models_TinyPackAndCopyWithLicense_PrintLicenseAndGpuMemoryAtDefaults()
    {
        const string license = "STABILITY AI COMMUNITY LICENSE AGREEMENT\nLast Updated: July 5, 2024\n";
        CopyDirectory(Fixtures.TinyPack, Path.Combine(_work, "tiny-svd"));
        CopyDirectory(Fixtures.TinyPack, Path.Combine(_work, "tiny-licensed"));
        File.WriteAllText(Path.Combine(_work, "tiny-licensed", "LICENSE.md"), license);
        // The tiny pack's defaults written out (6 frames, 128x64, every frame decoded at once, guidance on), not read
        // back from the pack, so a CLI that estimated some other recipe would print other numbers.
        var atDefaults = GpuMemoryEstimator.Estimate(ModelPack.Validate(Fixtures.TinyPack).Pack!, new MemoryRecipe(6, 64, 128, 6, 1, Guidance: true));

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "models", _work);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        var lines = run.StandardOutput.ReplaceLineEndings("\n").Split('\n');
        var licensed = Array.FindIndex(lines, l => l.StartsWith("tiny-licensed: ok", StringComparison.Ordinal));
        var plain = Array.FindIndex(lines, l => l.StartsWith("tiny-svd: ok", StringComparison.Ordinal));
        Assert.True(licensed >= 0 && plain >= 0, run.StandardOutput);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(license)));
        Assert.StartsWith($"  License: LICENSE.md (SHA-256 {sha256})", lines[licensed + 1], StringComparison.Ordinal);
        Assert.Equal("  License: no license file", lines[plain + 1]);
        foreach (var pack in new[] { licensed, plain })
            Assert.Equal($"  GPU memory at defaults: about {atDefaults.Describe()}", lines[pack + 2]);
        Assert.StartsWith("  GPU memory at defaults: about 1.1 GiB (", lines[plain + 2], StringComparison.Ordinal);
        Assert.Contains("decode 36 MiB for 6 frames at once", lines[plain + 2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_UnfusedUNet_SaysSoAndHowToReExport()
    {
        CopyDirectory(Fixtures.TinyPack, Path.Combine(_work, "tiny-unfused"));
        Fixtures.UseUnfusedGraphs(Path.Combine(_work, "tiny-unfused"));
        CopyDirectory(Fixtures.TinyPack, Path.Combine(_work, "tiny-svd"));

        var run = await CliProcess.RunAsync(_work, null, TestContext.Current.CancellationToken, "models", _work);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        var lines = run.StandardOutput.ReplaceLineEndings("\n").Split('\n');
        var unfused = Array.FindIndex(lines, l => l.StartsWith("tiny-unfused: ok", StringComparison.Ordinal));
        var fused = Array.FindIndex(lines, l => l.StartsWith("tiny-svd: ok", StringComparison.Ordinal));
        Assert.Equal("  Attention: image encoder 2 materialised (MatMul → Softmax → MatMul); VAE encoder 1 materialised (MatMul → Softmax → MatMul); UNet 24 materialised (MatMul → Softmax → MatMul)", lines[unfused + 3]);
        Assert.StartsWith("  Warning: the UNet's attention is not fused", lines[unfused + 4], StringComparison.Ordinal);
        Assert.Contains("--attention fused", lines[unfused + 4], StringComparison.Ordinal);
        Assert.Equal("  Attention: image encoder 2 fused; VAE encoder 1 materialised (MatMul → Softmax → MatMul); UNet 24 fused", lines[fused + 3]);
        Assert.DoesNotContain(lines.Skip(fused).TakeWhile((l, i) => i == 0 || !l.EndsWith(")", StringComparison.Ordinal) || l.StartsWith(' ')), l => l.StartsWith("  Warning", StringComparison.Ordinal));
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
