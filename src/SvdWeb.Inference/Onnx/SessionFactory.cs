using Microsoft.ML.OnnxRuntime;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on CUDA or CPU. <c>OrtEnv.GetAvailableProviders()</c> lists every provider compiled
/// into the native library, CUDA included even when its libraries cannot load, so CUDA is probed by appending it to
/// session options and catching the loader's error (toolchain.md §1a). The probe result is the provider for every
/// session made with the same settings, so all four models always run on one device.
/// </summary>
internal sealed class SessionFactory
{
    private readonly ExecutionSettings _settings;

    public SessionFactory(ExecutionSettings settings)
    {
        _settings = settings;
        Provider = Probe(settings);
    }

    public ExecutionProviderInfo Provider { get; }

    /// <summary>A session for the ONNX file at <paramref name="modelPath"/>, after the load-time rewrites asked for.</summary>
    public InferenceSession Create(string modelPath, GraphRewrite rewrite)
    {
        using var options = CreateOptions();
        if (_settings.ProfilePrefix is { } prefix)
        {
            // The prefix first: setting EnableProfiling hands ONNX Runtime the prefix it has at that moment.
            options.ProfileOutputPathPrefix = $"{prefix}-{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelPath)))}";
            options.EnableProfiling = true;
        }
        if (!rewrite.Any)
            return new InferenceSession(modelPath, options);

        // Rewritten graphs are handed over as bytes; their external data stays where the pack keeps it.
        options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
        return new InferenceSession(rewrite.Apply(File.ReadAllBytes(modelPath)), options);
    }

    /// <summary>
    /// Reads the graph once (after <paramref name="rewrite"/>) and returns a function that makes a session from those
    /// bytes, for model CPU offload. External data is read by ONNX Runtime from the pack's folder at each creation (the
    /// OS page cache holds it after the first).
    /// </summary>
    public Func<InferenceSession> CreateFromMemory(string modelPath, GraphRewrite rewrite)
    {
        var bytes = File.ReadAllBytes(modelPath);
        if (rewrite.Any) bytes = rewrite.Apply(bytes);
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        return () =>
        {
            using var options = CreateOptions();
            options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", folder);
            return new InferenceSession(bytes, options);
        };
    }

    /// <summary>A session for an in-memory graph, on the same device, with graph optimisations off.</summary>
    public InferenceSession CreateUnoptimised(byte[] model)
    {
        using var options = CreateOptions();
        options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
        return new InferenceSession(model, options);
    }

    /// <summary>CUDA device memory when sessions run on CUDA; null on CPU, where host memory is the device's.</summary>
    public OrtMemoryInfo? DeviceMemory() => Provider.IsCuda
        ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, _settings.CudaDeviceId, OrtMemType.Default)
        : null;

    private SessionOptions CreateOptions()
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = _settings.GraphOptimizationLevel,
            IntraOpNumThreads = _settings.IntraOpNumThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (Provider.IsCuda)
                AppendCuda(options, _settings.CudaDeviceId, _settings.CudaOptions);
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>Where sessions made with these settings would run, and why; cheap (no model is loaded).</summary>
    public static ExecutionProviderInfo Probe(ExecutionSettings settings)
    {
        if (settings.Device == ExecutionDevice.Cpu)
            return new ExecutionProviderInfo("CPU", null, "CPU selected in settings.");

        string failure;
        try
        {
            using var options = new SessionOptions();
            AppendCuda(options, settings.CudaDeviceId, settings.CudaOptions);
            return new ExecutionProviderInfo("CUDA", settings.CudaDeviceId, $"CUDA provider loaded on device {settings.CudaDeviceId}.");
        }
        catch (OnnxRuntimeException ex)
        {
            failure = FirstLine(ex.Message);
        }
        catch (EntryPointNotFoundException)
        {
            failure = "this build uses the CPU-only ONNX Runtime package (built with -p:OrtFlavor=Cpu)";
        }

        if (settings.Device == ExecutionDevice.Cuda)
        {
            throw new InvalidOperationException(
                $"CUDA was requested but its provider did not load: {failure}. Install CUDA 13 and cuDNN 9 (and an NVIDIA driver >= 580), " +
                "or set the device to Auto or Cpu.");
        }
        return new ExecutionProviderInfo("CPU", null, $"CUDA unavailable ({failure}); running on CPU.");
    }

    private static void AppendCuda(SessionOptions options, int deviceId, CudaTuning tuning)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>
        {
            ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // See CudaTuning for why the defaults are HEURISTIC and kSameAsRequested.
            ["cudnn_conv_algo_search"] = tuning.CudnnConvAlgoSearch,
            ["arena_extend_strategy"] = tuning.ArenaExtendStrategy,
        });
        options.AppendExecutionProvider_CUDA(cuda);
    }

    /// <summary>
    /// The part of ORT's loader message a person can act on: after "with error:" it names the missing library
    /// (e.g. "libcublasLt.so.13: cannot open shared object file"); otherwise its first line.
    /// </summary>
    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        const string marker = "with error: ";
        var at = line.LastIndexOf(marker, StringComparison.Ordinal);
        if (at >= 0) line = line[(at + marker.Length)..];
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
