using SvdWeb.Inference.Memory;
using System.CommandLine;
using System.Globalization;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Rng;
using SvdWeb.Inference.Video;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb generate</c>: one image to MP4 (plus optional PNG frames) and the recipe JSON that reproduces it.
/// Parameters are diffusers' names in kebab case; a value given on the command line overrides the --recipe file.
/// </summary>
internal static class GenerateCommand
{
    internal sealed record Options(
        Option<string> Model, Option<string> Image, Option<string> Out, Option<string?> FramesDir, Option<string?> Recipe,
        Option<int?> Height, Option<int?> Width, Option<int?> NumFrames, Option<int?> Steps, Option<float?> MinGuidance,
        Option<float?> MaxGuidance, Option<int?> Fps, Option<int?> MotionBucketId, Option<float?> NoiseAugStrength,
        Option<int?> DecodeChunkSize, Option<int?> VideosPerPrompt, Option<long?> Seed, Option<FitMode?> Fit,
        Option<HalfRandnMode?> HalfRandn, Option<ExecutionDevice> Device, Option<int> Threads, Option<int> Crf,
        Option<bool> ModelCpuOffload, Option<bool> ForwardChunking, Option<bool> Draft, Option<string> CudaGraphs);

    private static readonly SvdRecipe D = SvdRecipe.Defaults;

    public static Command Create()
    {
        var o = NewOptions(new("--out") { Description = "Output MP4 path (H.264, yuv420p, faststart). With several videos: NAME_0.mp4, NAME_1.mp4, …", Required = true });
        var command = new Command("generate", "Turn one image into a video with a model pack.");
        AddTo(command, o);
        command.SetAction((parse, ct) => CliErrors.RunAsync(() => RunAsync(parse, o, ct)));
        return command;
    }

    /// <summary>Every option of <c>generate</c>, with <paramref name="output"/> as its --out: <c>sweep</c> takes the same recipe options.</summary>
    internal static Options NewOptions(Option<string> output) =>
        new(
            new("--model") { Description = "Model pack folder (e.g. models/tiny-svd).", Required = true },
            new("--image") { Description = "Input image (PNG, JPEG, WebP, BMP, GIF, TIFF).", Required = true },
            output,
            new("--frames-dir") { Description = "Also write lossless PNG frames frame_0000.png, … here (one subfolder per video when several)." },
            new("--recipe") { Description = "Read settings from a recipe JSON (as written beside every video), or from a video or PNG frame SvdWeb made (MP4, WebM, PNG, GIF, WebP: the recipe inside it); options given here override it." },
            new("--height") { Description = "Output height, multiple of 8 × the UNet's down-sampling (default: the pack's, 576)." },
            new("--width") { Description = "Output width (default: the pack's, 1024)." },
            new("--num-frames") { Description = "Frames per video (default: the pack's num_frames: 14 SVD, 25 SVD-XT)." },
            new("--num-inference-steps") { Description = Invariant($"Denoising steps (default {D.NumInferenceSteps}).") },
            new("--min-guidance-scale") { Description = Invariant($"Guidance of the first frame (default {D.MinGuidanceScale:0.0}).") },
            new("--max-guidance-scale") { Description = Invariant($"Guidance of the last frame; > 1 turns guidance on (default {D.MaxGuidanceScale:0.0}).") },
            new("--fps") { Description = Invariant($"Frames per second of the video; the model is conditioned on fps − 1 (default {D.Fps}).") },
            new("--motion-bucket-id") { Description = Invariant($"Amount of motion; higher moves more (default {D.MotionBucketId}, trained 0–255).") },
            new("--noise-aug-strength") { Description = Invariant($"Noise added to the image; higher strays further from it (default {D.NoiseAugStrength}).") },
            new("--decode-chunk-size") { Description = "Frames decoded at once; smaller saves memory but changes the video (default: all the frames asked for, as the web page and the API)." },
            new("--num-videos-per-prompt") { Description = Invariant($"Videos from the one image (default {D.NumVideosPerPrompt}).") },
            new("--seed") { Description = "torch.manual_seed value (default: a random one, printed and saved in the recipe)." },
            new("--fit") { Description = "stretch (diffusers' behaviour), crop (center crop to the output aspect) or pad." },
            new("--half-randn") { Description = "float16 packs: which torch half randn to reproduce, legacy (torch ≤ 2.11) or new." },
            new("--device") { Description = "auto (CUDA when it loads, else CPU), cpu or cuda.", DefaultValueFactory = _ => ExecutionDevice.Auto },
            new("--threads") { Description = "CPU threads per operator (0: one per core).", DefaultValueFactory = _ => 0 },
            new("--crf") { Description = Invariant($"x264 quality, 0 (lossless) to 51 (default {Mp4Encoder.DefaultCrf})."), DefaultValueFactory = _ => Mp4Encoder.DefaultCrf },
            MemoryFlags.ModelCpuOffload(), MemoryFlags.ForwardChunking(),
            new("--draft") { Description = Invariant($"A quick preview of the motion: the recipe with the pack's draft steps (svdweb.json draft_inference_steps, else {ModelPack.DefaultDraftInferenceSteps}; never more than --num-inference-steps). The same command without --draft makes the final.") },
            CudaGraphsFlag.Create());

    internal static void AddTo(Command command, Options o)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(o);
        foreach (var option in new Option[] { o.Model, o.Image, o.Out, o.FramesDir, o.Recipe, o.Height, o.Width, o.NumFrames, o.Steps, o.MinGuidance, o.MaxGuidance, o.Fps, o.MotionBucketId, o.NoiseAugStrength, o.DecodeChunkSize, o.VideosPerPrompt, o.Seed, o.Fit, o.HalfRandn, o.Device, o.Threads, o.Crf, o.ModelCpuOffload, o.ForwardChunking, o.Draft, o.CudaGraphs })
            command.Add(option);
    }

    private static async Task<int> RunAsync(ParseResult parse, Options o, CancellationToken ct)
    {
        var output = parse.GetRequiredValue(o.Out);
        // Fail on a missing ffmpeg before minutes of inference, not after (and before loading the pack).
        FfmpegTool.RequireFolder();
        var recipe = await BuildRecipeAsync(parse, o, ct).ConfigureAwait(false);
        var pack = ModelPack.Load(parse.GetRequiredValue(o.Model));
        var finalSteps = recipe.NumInferenceSteps;
        if (parse.GetValue(o.Draft)) recipe = recipe with { NumInferenceSteps = pack.DraftStepsFor(finalSteps) };
        // Before the pack's weights load: a value out of range fails at once.
        var resolved = recipe.Resolve(pack);
        var image = ImageLoader.Load(parse.GetRequiredValue(o.Image), ImageLimits.Input);

        var memory = new MemoryOptions(parse.GetValue(o.ModelCpuOffload), parse.GetValue(o.ForwardChunking));
        using var pipeline = SvdPipeline.Load(pack, new ExecutionSettings(parse.GetValue(o.Device), IntraOpNumThreads: parse.GetValue(o.Threads), Memory: memory,
            CudaGraphs: CudaGraphsFlag.IsOn(parse.GetValue(o.CudaGraphs))));
        Console.Error.WriteLine($"{pack.Name} on {pipeline.Provider}: {pipeline.Provider.Reason}");
        if (pipeline.PrecisionWarning is { } precisionWarning) Console.Error.WriteLine($"warning: {precisionWarning}");
        if (memory != MemoryOptions.None) Console.Error.WriteLine($"memory options: {memory.Describe()}");
        Console.Error.WriteLine($"seed {resolved.Seed}");
        if (parse.GetValue(o.Draft))
            Console.Error.WriteLine(Invariant($"draft: {resolved.NumInferenceSteps} of {finalSteps} denoising steps; for the final, run it again without --draft and with --seed {resolved.Seed}"));
        var files = new CommandLineOutput(output, resolved.NumVideosPerPrompt, parse.GetValue(o.FramesDir), pack.Name);
        // No pack hash: hashing gigabytes of weights would delay every run; the web app's files carry it.
        var stamp = new RecipeStamp(resolved.ToRequest(pack.Name));
        var result = await VideoGeneration.RunAsync(pipeline, image, resolved, files,
            new VideoGenerationOptions(stamp, parse.GetValue(o.Crf), new ConsoleProgress()), ct).ConfigureAwait(false);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {files.RecipePath}; {result.Timings.Total.TotalSeconds:F2} s ({result.Timings.InOnnxRuntime.TotalSeconds:F2} s in ONNX Runtime) on {result.Provider}"));
        return 0;
    }

    internal static async Task<SvdRecipe> BuildRecipeAsync(ParseResult parse, Options o, CancellationToken ct)
    {
        var recipe = parse.GetValue(o.Recipe) is { } recipeFile
            ? await ReadRecipeAsync(recipeFile, ct).ConfigureAwait(false)
            : SvdRecipe.Defaults with { Seed = SvdRecipe.RandomSeed() };
        return recipe with
        {
            Height = parse.GetValue(o.Height) ?? recipe.Height,
            Width = parse.GetValue(o.Width) ?? recipe.Width,
            NumFrames = parse.GetValue(o.NumFrames) ?? recipe.NumFrames,
            NumInferenceSteps = parse.GetValue(o.Steps) ?? recipe.NumInferenceSteps,
            MinGuidanceScale = parse.GetValue(o.MinGuidance) ?? recipe.MinGuidanceScale,
            MaxGuidanceScale = parse.GetValue(o.MaxGuidance) ?? recipe.MaxGuidanceScale,
            Fps = parse.GetValue(o.Fps) ?? recipe.Fps,
            MotionBucketId = parse.GetValue(o.MotionBucketId) ?? recipe.MotionBucketId,
            NoiseAugStrength = parse.GetValue(o.NoiseAugStrength) ?? recipe.NoiseAugStrength,
            DecodeChunkSize = parse.GetValue(o.DecodeChunkSize) ?? recipe.DecodeChunkSize,
            NumVideosPerPrompt = parse.GetValue(o.VideosPerPrompt) ?? recipe.NumVideosPerPrompt,
            Seed = parse.GetValue(o.Seed) ?? recipe.Seed,
            Fit = parse.GetValue(o.Fit) ?? recipe.Fit,
            HalfRandn = parse.GetValue(o.HalfRandn) ?? recipe.HalfRandn,
            // The model is chosen by --model; a recipe's pack name is informational and refreshed by the run.
            Model = null,
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A recipe JSON file (a plain recipe, or the stamp SvdWeb writes into files), or a file SvdWeb made with the recipe
    /// inside it, told apart by its first bytes.
    /// </summary>
    private static async Task<SvdRecipe> ReadRecipeAsync(string path, CancellationToken ct)
    {
        try
        {
            var stamp = await RecipeReader.ReadAsync(path, ImageLimits.Default, ct).ConfigureAwait(false);
            if (stamp is not null) return stamp.Recipe;
            if (await RecipeReader.DetectAsync(path, ct).ConfigureAwait(false) != RecipeFileKind.Other)
                throw new SvdInputException("recipe", $"'{path}' carries no SvdWeb recipe: only videos and frames SvdWeb made (since recipes were embedded) have one. Give its .recipe.json instead.");
            var json = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            return RecipeStamp.Parse(json)?.Recipe ?? SvdRecipe.FromJson(json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SvdInputException("recipe", $"The recipe file '{path}' cannot be read: {ex.Message}", ex);
        }
    }

}
