using System.Diagnostics;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Postgres;

/// <summary>
/// The built CLI's <c>svdweb copy-to-postgres</c> as a real process (dotnet svdweb.dll), the connection string in the
/// environment as an admin would export it. svdweb.dll cannot be referenced beside SvdWeb.dll, so it is run from the
/// CLI's own build output (same configuration as the tests).
/// </summary>
internal static class CopyCommand
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static async Task<Result> RunAsync(string dataFolder, string connectionString, CancellationToken ct, params string[] extraArgs)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";   // bin/<Configuration>/net10.0/
        var cli = Path.Combine(Fixtures.RepoRoot, "src", "SvdWeb.Cli", "bin", configuration, "net10.0", "svdweb.dll");
        if (!File.Exists(cli)) throw new FileNotFoundException($"Build the CLI first: {cli} is missing.", cli);
        var start = new ProcessStartInfo(Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
        {
            WorkingDirectory = Fixtures.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { cli, "copy-to-postgres", "--data-folder", dataFolder }.Concat(extraArgs)) start.ArgumentList.Add(arg);
        start.Environment["SvdWeb__Database__ConnectionString"] = connectionString;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(2), ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
