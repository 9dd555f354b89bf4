using SvdWeb.Inference;

namespace SvdWeb.Cli;

/// <summary>
/// Maps the failures a user can fix to one line on stderr and an exit code; anything else is a bug and keeps its
/// stack trace. Exit codes: 1 bad input, pack, account or backup target (a 4xx <see cref="UserFacingException.Status"/>),
/// 2 missing tool or device problem (5xx), 130 cancelled (as shells do for Ctrl+C).
/// </summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (UserFacingException ex)
        {
            // The status's class says whose the fix is: the command's input (4xx) or the machine's tools and device (5xx).
            return Fail($"error: {ex.Message}", ex.Status >= 500 ? 2 : 1);
        }
        catch (OperationCanceledException)
        {
            return Fail("cancelled; no output was written.", 130);
        }
    }

    private static int Fail(string line, int code)
    {
        Console.Error.WriteLine(line.ReplaceLineEndings(" "));
        return code;
    }
}
