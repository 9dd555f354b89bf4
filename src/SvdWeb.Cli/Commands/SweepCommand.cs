using System.CommandLine;
using System.Globalization;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Sweeps;
using SvdWeb.Inference.Video;

namespace SvdWeb.Cli.Commands;

/// <summary>
/// <c>svdweb sweep</c>: one image and recipe (every option of <c>generate</c>) with one or two settings varied
/// (<c>--vary motion_bucket_id=60,127,200 [--vary seed=1,2]</c>; README, "Sweeps"). The pack loads once and the cells
/// run in grid order, each written as <c>cell_r{row}_c{column}.mp4</c> with its recipe JSON, then all of them side by
/// side, labelled, in <c>grid.mp4</c>.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var o = GenerateCommand.NewOptions(new("--out") { Description = "Output folder: cell_r{row}_c{column}.mp4 and .recipe.json per cell, and grid.mp4 with every cell side by side.", Required = true });
        var vary = new Option<string[]>("--vary")
        {
            Description = Invariant($"A setting and its values, NAME=V1,V2,… (e.g. motion_bucket_id=60,127,200); once for the columns, again for the rows; at most {SweepPlan.MaxCells} cells. NAME is one of {SweepParameter.Names} (or their snake or kebab case)."),
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("sweep", "Run one image's recipe with one or two settings varied and write every cell plus a labelled grid video.");
        GenerateCommand.AddTo(command, o);
        command.Add(vary);
        command.SetAction((parse, ct) => CliErrors.RunAsync(() => RunAsync(parse, o, vary, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, GenerateCommand.Options o, Option<string[]> vary, CancellationToken ct)
    {
        var folder = parse.GetRequiredValue(o.Out);
        FfmpegTool.RequireFolder();
        var recipe = await GenerateCommand.BuildRecipeAsync(parse, o, ct).ConfigureAwait(false);
        var pack = ModelPack.Load(parse.GetRequiredValue(o.Model));
        // Every cell checked before the weights load: a value out of range fails at once, naming its cell.
        var plan = SweepPlan.Create(recipe, parse.GetValue(vary) ?? [], pack);
        var draft = parse.GetValue(o.Draft);
        var cells = plan.Cells.Select(c => (Cell: c, Resolved: (draft ? c.Recipe with { NumInferenceSteps = pack.DraftStepsFor(c.Recipe.NumInferenceSteps) } : c.Recipe).Resolve(pack))).ToList();
        var image = ImageLoader.Load(parse.GetRequiredValue(o.Image), ImageLimits.Input);
        Directory.CreateDirectory(folder);

        var memory = new MemoryOptions(parse.GetValue(o.ModelCpuOffload), parse.GetValue(o.ForwardChunking));
        using var pipeline = SvdPipeline.Load(pack, new ExecutionSettings(parse.GetValue(o.Device), IntraOpNumThreads: parse.GetValue(o.Threads), Memory: memory,
            CudaGraphs: CudaGraphsFlag.IsOn(parse.GetValue(o.CudaGraphs))));
        Console.Error.WriteLine($"{pack.Name} on {pipeline.Provider}: {pipeline.Provider.Reason}");
        Console.Error.WriteLine(Invariant($"sweep: {string.Join(" × ", plan.Axes.Select(a => a.ToString()))}, {cells.Count} cells, seed {recipe.Seed}"));
        var grid = new List<SweepGridVideo.CellFrames>(cells.Count);
        foreach (var (cell, resolved) in cells)
        {
            Console.Error.WriteLine($"cell {grid.Count + 1}/{cells.Count}: {cell.Label}");
            var name = Invariant($"cell_r{cell.Row}_c{cell.Column}");
            var framesDir = parse.GetValue(o.FramesDir) is { } frames ? Path.Combine(frames, name) : null;
            var files = new CommandLineOutput(Path.Combine(folder, name + ".mp4"), resolved.NumVideosPerPrompt, framesDir, pack.Name);
            var result = await VideoGeneration.RunAsync(pipeline, image, resolved, files,
                new VideoGenerationOptions(new RecipeStamp(resolved.ToRequest(pack.Name)), parse.GetValue(o.Crf), new ConsoleProgress()), ct).ConfigureAwait(false);
            var video = result.Videos[0];
            grid.Add(new SweepGridVideo.CellFrames(cell.Row, cell.Column, cell.Label,
                [.. Enumerable.Range(0, video.NumFrames).Select(video.FrameRgb24)], video.Width, video.Height));
        }
        var gridPath = Path.Combine(folder, "grid.mp4");
        await SweepGridVideo.WriteAsync(gridPath, grid, plan.ColumnCount, plan.RowCount, cells[0].Resolved.Fps, ct, parse.GetValue(o.Crf)).ConfigureAwait(false);
        Console.Error.WriteLine(Invariant($"wrote {gridPath} ({plan.ColumnCount} × {plan.RowCount} cells)"));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
