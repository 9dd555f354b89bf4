using System.Globalization;
using SvdWeb.Inference;

namespace SvdWeb.Cli;

/// <summary>
/// A one-line progress bar on stderr, redrawn in place on a terminal; when stderr is redirected (logs, tests) it
/// prints one plain line per stage change and per step instead. Reports arrive synchronously on the pipeline thread.
/// </summary>
internal sealed class ConsoleProgress : IProgress<SvdProgress>
{
    private const int BarWidth = 30;
    private readonly bool _interactive = !Console.IsErrorRedirected;

    public void Report(SvdProgress value)
    {
        var filled = (int)Math.Round(value.Fraction * BarWidth);
        var stage = SvdProgress.Counter(value.Stage, value.Step, value.TotalSteps) is { } counter
            ? $"{(value.Stage == SvdStage.Denoising ? "denoising" : "decoding")} {counter}"
            : value.Stage.ToString();
        var remaining = value.Remaining is { } r ? string.Create(CultureInfo.InvariantCulture, $", ~{r.TotalSeconds:F0} s left") : "";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {value.Fraction,4:P0} {stage} ({value.Elapsed.TotalSeconds:F1} s{remaining})");
        if (_interactive)
        {
            Console.Error.Write("\r" + line.PadRight(Console.WindowWidth > 1 ? Console.WindowWidth - 1 : 100));
            if (value.Stage == SvdStage.Done) Console.Error.WriteLine();
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }
}
