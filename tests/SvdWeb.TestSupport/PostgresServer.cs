using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace SvdWeb.TestSupport;

/// <summary>
/// A real PostgreSQL server of the tests' own: Debian's binaries (package <c>postgresql</c>), <c>initdb</c> in a
/// temporary folder, a free loopback port, trust authentication on loopback only, and stopped (folder removed) at the
/// end. Run as root, the server runs as the unprivileged user <c>nobody</c>, since PostgreSQL refuses to run as root.
/// Shared by the PostgreSQL tests (their collection fixture), each test taking a database of its own, and by the queue
/// benchmark (tests/SvdWeb.Benchmarks).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>What to run when the binaries are missing.</summary>
    public const string InstallHint = "sudo apt-get install postgresql";

    /// <summary>When set (CI sets it), a missing server fails the tests instead of skipping them.</summary>
    public const string RequireVariable = "SVDWEB_REQUIRE_POSTGRES";

    private string? _folder;
    private string? _bin;
    private int _port;
    private int _databases;

    /// <summary>Why the tests cannot run here; null when the server is up.</summary>
    public string? Unavailable { get; private set; }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={_port};Username=svdweb;Database=postgres;Pooling=false";

    public async ValueTask InitializeAsync()
    {
        _bin = FindBinaries();
        if (_bin is null)
        {
            Unavailable = $"PostgreSQL's server binaries (initdb, pg_ctl) are not installed; install them with: {InstallHint}";
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1") throw new InvalidOperationException(Unavailable);
            return;
        }
        _folder = Directory.CreateTempSubdirectory("svdweb-pg-").FullName;
        _port = FreePort();
        if (Environment.UserName == "root") await RunAsync("chown", ["-R", "nobody", _folder]);
        await RunAsPostgresAsync("initdb", ["-D", DataDir, "-U", "svdweb", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        await StartAsync();
    }

    private string DataDir => Path.Combine(_folder!, "data");

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port and data.</summary>
    public Task StartAsync() => RunAsPostgresAsync("pg_ctl", ["-D", DataDir, "-l", Path.Combine(_folder!, "server.log"), "-w", "-t", "60", "-o",
        $"-p {_port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", "start"]);

    /// <summary>Stops the server at once (no checkpoint), as a crash or a restart by an admin would.</summary>
    public Task StopAsync() => RunAsPostgresAsync("pg_ctl", ["-D", DataDir, "-w", "-m", "immediate", "stop"]);

    /// <summary>A new, empty database on the server; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        var name = $"svdweb_test_{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync(ct);
        return $"Host=127.0.0.1;Port={_port};Username=svdweb;Database={name}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is null) return;
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_folder, recursive: true);
    }

    private Task RunAsPostgresAsync(string tool, string[] args)
    {
        var path = Path.Combine(_bin!, tool);
        return Environment.UserName == "root" ? RunAsync("runuser", ["-u", "nobody", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}{await stderr}");
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root)) return null;
        return Directory.GetDirectories(root).Select(v => Path.Combine(v, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
