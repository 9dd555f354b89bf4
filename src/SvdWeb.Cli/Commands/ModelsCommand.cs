using System.CommandLine;
using System.Globalization;
using SvdWeb.Inference;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb models [DIR]</c>: lists the packs in a folder (or one pack) with their validation result, and for each valid
/// pack its license file and the estimated peak GPU memory at its defaults, so an operator can judge a pack before
/// copying it to the server.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("DIR")
        {
            Description = "A models folder (each subfolder a pack) or one pack folder.",
            DefaultValueFactory = _ => "models",
        };
        var checkFusions = new Option<bool>("--check-fusions")
        {
            Description = "Also check that every fused (com.microsoft) operator of each graph has an ONNX Runtime kernel, or a " +
                "decomposition, on the provider this machine would run it on (CUDA when it loads, else CPU); exit 1 if not.",
        };
        var command = new Command("models", "List model packs and check each against the pipeline's contract.") { folder, checkFusions };
        command.SetAction(parse => CliErrors.RunAsync(() => Task.FromResult(Run(parse.GetRequiredValue(folder), parse.GetValue(checkFusions)))));
        return command;
    }

    private static int Run(string folder, bool checkFusions)
    {
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"error: the folder '{Path.GetFullPath(folder)}' does not exist. Give a models folder, e.g. 'svdweb models models'.");
            return 1;
        }
        var packs = File.Exists(Path.Combine(folder, "model_index.json"))
            ? [folder]
            : Directory.GetDirectories(folder).Where(d => File.Exists(Path.Combine(d, "model_index.json"))).Order(StringComparer.Ordinal).ToArray();
        if (packs.Length == 0)
        {
            Console.Error.WriteLine($"error: no model pack (a folder with model_index.json) in '{Path.GetFullPath(folder)}'. See README, 'Using real weights'.");
            return 1;
        }
        var invalid = 0;
        // Probed once, as SvdPipeline.Load would (device Auto): the CLI reads no appsettings.
        var provider = checkFusions ? ExecutionProviders.Probe(ExecutionSettings.Default) : null;
        if (provider is not null) Console.WriteLine($"Fusions checked for the {provider.Provider} provider: {provider.Reason}");
        foreach (var packFolder in packs)
        {
            var validation = ModelPack.Validate(packFolder);
            if (validation.Pack is { } pack)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{pack.Name}: ok — {pack.DefaultFrames} frames, {pack.DefaultWidth}x{pack.DefaultHeight}, {pack.Precision}, {pack.ParameterCount:N0} parameters, {pack.SizeOnDiskBytes / 1048576.0:F1} MiB ({Path.GetFullPath(packFolder)})"));
                Console.WriteLine(pack.License is { } license
                    ? $"  License: {license.FileName} (SHA-256 {license.Sha256}); an admin must accept it on /models before the web app uses the pack"
                    : "  License: no license file");
                // The recipe a request without settings gets (every frame decoded at once, guidance on), as the Models page
                // shows it; uncalibrated, since the CLI reads no appsettings (SvdWeb:Inference:MemoryCalibrationFactor).
                var estimate = GpuMemoryEstimator.Estimate(pack, MemoryRecipe.From(new SvdRecipe().Resolve(pack)));
                Console.WriteLine($"  GPU memory at defaults: about {estimate.Describe()}");
                Console.WriteLine($"  Attention: {pack.DescribeAttention()}");
                if (pack.AttentionWarning is { } attentionWarning) Console.WriteLine($"  Warning: {attentionWarning}");
                if (pack.CpuPrecisionWarning is { } precisionWarning) Console.WriteLine($"  Note: {precisionWarning}");
                Console.WriteLine($"  Fused operators: {pack.DescribeFusedOperators()}");
                if (provider is not null)
                {
                    var problems = pack.FusionProblems(provider);
                    Console.WriteLine(problems.Count == 0
                        ? $"  Fusions: every fused operator runs on {provider.Provider} (an ONNX Runtime kernel, or decomposed at load)"
                        : $"  Fusions: {problems.Count} graph(s) cannot run on {provider.Provider}");
                    foreach (var problem in problems) Console.WriteLine($"  - {problem}");
                    if (problems.Count > 0) invalid++;
                }
            }
            else
            {
                invalid++;
                Console.WriteLine($"{Path.GetFileName(Path.GetFullPath(packFolder))}: INVALID ({Path.GetFullPath(packFolder)})");
                foreach (var problem in validation.Problems) Console.WriteLine($"  - {problem}");
            }
        }
        return invalid == 0 ? 0 : 1;
    }
}
