using Microsoft.Extensions.Options;
using SvdWeb.Inference.Onnx;

namespace SvdWeb.Options;

/// <summary>Checks what DataAnnotations cannot: folders and device names. Messages name the key and the fix.</summary>
internal sealed class SvdWebOptionsValidator(IHostEnvironment environment) : IValidateOptions<SvdWebOptions>
{
    public ValidateOptionsResult Validate(string? name, SvdWebOptions options)
    {
        var failures = new List<string>();
        var models = ResolvePath(environment, options.ModelsFolder);
        if (!Directory.Exists(models))
            failures.Add($"SvdWeb:ModelsFolder '{models}' does not exist. Point it at the folder holding model packs (the repository's 'models' has tiny-svd), e.g. SvdWeb__ModelsFolder=/srv/svd/models.");
        else if (!File.Exists(Path.Combine(models, options.DefaultPack, "model_index.json")))
            failures.Add($"SvdWeb:DefaultPack '{options.DefaultPack}' is not a pack in '{models}' (no {options.DefaultPack}/model_index.json). Set it to one of: {string.Join(", ", ListPacks(models))}.");

        var data = ResolvePath(environment, options.DataFolder);
        try
        {
            Directory.CreateDirectory(data);
            var probe = Path.Combine(data, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failures.Add($"SvdWeb:DataFolder '{data}' is not writable ({ex.Message}). Choose a folder the app's user can write, e.g. SvdWeb__DataFolder=/var/lib/svdweb.");
        }

        if (options.ModelsRescanDelay < TimeSpan.Zero || options.ModelsRescanDelay > TimeSpan.FromMinutes(10))
            failures.Add($"SvdWeb:ModelsRescanDelay is {options.ModelsRescanDelay}; use a quiet time between 00:00:00 and 00:10:00, e.g. \"00:00:02\".");
        if (options.Inference.GpuMemoryBytes < 0)
            failures.Add($"SvdWeb:Inference:GpuMemoryBytes is {options.Inference.GpuMemoryBytes}; give the GPU's memory in bytes (e.g. 80000000000), or 0 to ask nvidia-smi.");
        if (!(options.Inference.MemoryCalibrationFactor is > 0 and <= 100))
            failures.Add($"SvdWeb:Inference:MemoryCalibrationFactor is {options.Inference.MemoryCalibrationFactor}; give measured peak ÷ estimate, a number above 0 (1.0 when not calibrated).");
        if (options.Inference.CudaGraphShapes is < 1 or > ExecutionSettings.MaxCudaGraphShapes)
            failures.Add($"SvdWeb:Inference:CudaGraphShapes is {options.Inference.CudaGraphShapes}; keep 1 to {ExecutionSettings.MaxCudaGraphShapes} captured run shapes per worker (4 by default), or set SvdWeb:Inference:CudaGraphs to false to capture none.");

        foreach (var device in options.Devices)
        {
            if (!TryParseDevice(device, out _))
                failures.Add($"SvdWeb:Devices entry '{device}' is not a device. Use \"auto\", \"cpu\" or \"cuda:N\" (N = CUDA device number).");
        }
        ValidateDatabase(options, failures);
        var dayOfAllDevices = 86_400L * options.WorkerDevices.Count;
        if (options.DailyGpuSecondsPerUser > dayOfAllDevices)
            failures.Add($"SvdWeb:DailyGpuSecondsPerUser is {options.DailyGpuSecondsPerUser}, more than a whole day of all {options.WorkerDevices.Count} worker(s) ({dayOfAllDevices} s), so it could never be reached. Set it to the GPU seconds one user may use per UTC day (e.g. 3600), or 0 to turn the quota off.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateDatabase(SvdWebOptions options, List<string> failures)
    {
        var database = options.Database;
        if (database.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(database.ConnectionString))
            failures.Add("SvdWeb:Database:Provider is postgres but SvdWeb:Database:ConnectionString is empty. Set it, e.g. SvdWeb__Database__ConnectionString=\"Host=db.lab;Database=svdweb;Username=svdweb;Password=…\".");
        if (database.Provider == DatabaseProvider.Sqlite && options.Role != ServerRole.All)
            failures.Add($"SvdWeb:Role is {options.Role.ToString().ToLowerInvariant()}, which shares the queue with other processes, but SvdWeb:Database:Provider is sqlite, a file on one machine that remote workers or web nodes cannot share. Use SvdWeb__Database__Provider=postgres with a ConnectionString, or SvdWeb__Role=all for one machine.");
        var queue = options.Queue;
        if (queue.LeaseDuration < TimeSpan.FromSeconds(1) || queue.LeaseDuration > TimeSpan.FromHours(1))
            failures.Add($"SvdWeb:Queue:LeaseDuration is {queue.LeaseDuration}; use between 00:00:01 and 01:00:00, e.g. \"00:00:30\".");
        else if (queue.HeartbeatInterval <= TimeSpan.Zero || queue.HeartbeatInterval * 2 > queue.LeaseDuration)
            failures.Add($"SvdWeb:Queue:HeartbeatInterval is {queue.HeartbeatInterval}; renew at least twice per lease ({queue.LeaseDuration}), e.g. \"00:00:05\".");
        if (queue.PollInterval <= TimeSpan.Zero || queue.PollInterval > TimeSpan.FromMinutes(1))
            failures.Add($"SvdWeb:Queue:PollInterval is {queue.PollInterval}; use more than 0 and at most 00:01:00, e.g. \"00:00:01\".");
        if (queue.MaxLostAttempts is < 1 or > 100)
            failures.Add($"SvdWeb:Queue:MaxLostAttempts is {queue.MaxLostAttempts}; use 1 to 100 (2 by default).");
    }

    public static string ResolvePath(IHostEnvironment environment, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(environment.ContentRootPath, path));

    public static bool TryParseDevice(string text, out ExecutionSettings settings)
    {
        settings = ExecutionSettings.Default;
        var value = text.Trim().ToLowerInvariant();
        if (value == "auto") return true;
        if (value == "cpu")
        {
            settings = new ExecutionSettings(ExecutionDevice.Cpu);
            return true;
        }
        if (value.StartsWith("cuda", StringComparison.Ordinal))
        {
            var id = 0;
            if (value.Length > 4 && (value[4] != ':' || !int.TryParse(value[5..], System.Globalization.CultureInfo.InvariantCulture, out id) || id < 0))
                return false;
            settings = new ExecutionSettings(ExecutionDevice.Cuda, id);
            return true;
        }
        return false;
    }

    private static IEnumerable<string> ListPacks(string models) => Directory.GetDirectories(models)
        .Where(d => File.Exists(Path.Combine(d, "model_index.json")))
        .Select(Path.GetFileName)
        .OfType<string>();
}
