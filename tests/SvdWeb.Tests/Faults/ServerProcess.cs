using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Faults;

/// <summary>
/// The built app as a real process (dotnet SvdWeb.dll) on a loopback port, so a test can give it another PATH or kill it
/// outright (SIGKILL: no shutdown code runs), as a crash or an admin would, or stop it normally (SIGTERM).
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The app's process id (a worker names it in the leases it takes).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The app's resident set size now (VmRSS from /proc): what the kernel actually holds for it.</summary>
    public long ResidentBytes
    {
        get
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
    }

    public string Output
    {
        get { lock (_output) return string.Join('\n', _output); }
    }

    /// <summary>Until a line of the app's output contains <paramref name="text"/>; fails with the output if the app exits first or a minute passes.</summary>
    public async Task WaitForOutputAsync(string text, CancellationToken ct)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.Any(l => l.Contains(text, StringComparison.Ordinal))) return;
            _awaited.Add((text, seen));
        }
        var exited = _process.WaitForExitAsync(ct);
        var ended = await Task.WhenAny(seen.Task, exited).WaitAsync(TimeSpan.FromMinutes(1), ct);
        Assert.True(ended == seen.Task, $"The app {(exited.IsCompleted ? "exited" : "ran")} without printing \"{text}\":\n{Output}");
    }

    public static async Task<ServerProcess> StartAsync(string dataFolder, CancellationToken ct, string? path = null) =>
        await StartAsync(dataFolder, new Uri($"http://127.0.0.1:{FreePort()}"), ct, path);

    /// <summary>Starts the app on any address (e.g. 0.0.0.0) with extra settings, and waits until it listens.</summary>
    public static async Task<ServerProcess> StartOnAsync(string dataFolder, string host, CancellationToken ct, params string[] extraArgs) =>
        await StartAsync(dataFolder, new Uri($"http://{host}:{FreePort()}"), ct, null, extraArgs);

    /// <summary>Starts the app on loopback under a shell that first sets this umask (e.g. "000": everything world-writable).</summary>
    public static async Task<ServerProcess> StartWithUmaskAsync(string dataFolder, string umask, CancellationToken ct) =>
        await StartAsync(dataFolder, new Uri($"http://127.0.0.1:{FreePort()}"), ct, null, umask, []);

    /// <summary>Starts the app on any address (e.g. 0.0.0.0) and waits for it to exit by itself.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string dataFolder, string host, CancellationToken ct, params string[] extraArgs)
    {
        using var process = Process.Start(StartInfo(dataFolder, new Uri($"http://{host}:{FreePort()}"), null, extraArgs))!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The app did not exit by itself within a minute:\n" + await stdout + await stderr);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<ServerProcess> StartAsync(string dataFolder, Uri address, CancellationToken ct, string? path, params string[] extraArgs) =>
        await StartAsync(dataFolder, address, ct, path, null, extraArgs);

    private static async Task<ServerProcess> StartAsync(string dataFolder, Uri address, CancellationToken ct, string? path, string? umask, string[] extraArgs)
    {
        var start = StartInfo(dataFolder, address, path, extraArgs);
        if (umask is not null)
        {
            // sh -c 'umask 000 && exec "$@"' sh dotnet SvdWeb.dll …: the app inherits the umask, as from an admin's shell.
            var wrapped = new ProcessStartInfo("/bin/sh") { WorkingDirectory = start.WorkingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-c", $"umask {umask} && exec \"$@\"", "sh", start.FileName }.Concat(start.ArgumentList)) wrapped.ArgumentList.Add(arg);
            start = wrapped;
        }
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, address);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null) return;
            lock (server._output)
            {
                server._output.Add(line);
                foreach (var (text, seen) in server._awaited)
                    if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
            }
            if (line.Contains("Now listening on", StringComparison.Ordinal)) listening.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(ct);
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(1), ct)) != listening.Task)
        {
            server.Dispose();
            throw new InvalidOperationException("The app did not start listening:\n" + server.Output);
        }
        return server;
    }

    private static ProcessStartInfo StartInfo(string dataFolder, Uri address, string? path, string[] extraArgs)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Fixtures.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppPath());
        foreach (var arg in new[] { "--urls", address.ToString(), "--contentRoot", Fixtures.RepoRoot, "--SvdWeb:DataFolder", dataFolder,
                     "--SvdWeb:ModelsFolder", Path.Combine(Fixtures.RepoRoot, "models"), "--SvdWeb:Devices:0", "cpu", "--SvdWeb:IntraOpNumThreads", "1" }.Concat(extraArgs))
            start.ArgumentList.Add(arg);
        if (path is not null) start.Environment["PATH"] = path;
        return start;
    }

    /// <summary>SIGKILL, as a crash or an out-of-memory kill would end it.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>
    /// SIGTERM, as systemd, Docker or an admin's <c>kill</c> stops a service: the host shuts down normally. Waits (at
    /// most a minute) for the process to exit; returns its exit code.
    /// </summary>
    public async Task<int> TerminateAsync(CancellationToken ct)
    {
        var kill = new ProcessStartInfo("kill") { UseShellExecute = false };
        foreach (var arg in new[] { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }) kill.ArgumentList.Add(arg);
        using (var sender = Process.Start(kill)!) await sender.WaitForExitAsync(ct);
        await _process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    /// <summary>The web app's own build output, built with the tests (same configuration).</summary>
    private static string AppPath()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";   // bin/<Configuration>/net10.0/
        var path = Path.Combine(Fixtures.RepoRoot, "src", "SvdWeb", "bin", configuration, "net10.0", "SvdWeb.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"Build the web app first: {path} is missing.", path);
        return path;
    }

    /// <summary>The dotnet host running the tests, by full path, so the app starts whatever PATH it is given.</summary>
    private static string DotnetHost() => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
        ? path
        : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "dotnet");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
