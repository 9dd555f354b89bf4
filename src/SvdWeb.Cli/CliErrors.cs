using SvdWeb.Cli.Backup;
using SvdWeb.Inference;
using SvdWeb.Inference.Video;

namespace SvdWeb.Cli;

/// <summary>
/// Maps the failures a user can fix to one line on stderr and an exit code; anything else is a bug and keeps its
/// stack trace. Exit codes: 1 bad input, pack or backup target, 2 missing tool or device problem, 130 cancelled (as shells do for Ctrl+C).
/// </summary>
internal static class CliErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (SvdInputException ex)
        {
            return Fail($"error: {ex.Message}", 1);
        }
        catch (ModelPackException ex)
        {
            return Fail($"error: {ex.Message}", 1);
        }
        catch (BackupException ex)
        {
            return Fail($"error: {ex.Message}", 1);
        }
        catch (Accounts.AccountStoreException ex)
        {
            return Fail($"error: {ex.Message}", 1);
        }
        catch (FfmpegException ex)
        {
            return Fail($"error: {ex.Message}", 2);
        }
        catch (GpuOutOfMemoryException ex)
        {
            return Fail($"error: {ex.Message}", 2);
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
