using Microsoft.ML.OnnxRuntime;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions on CUDA or CPU. <c>OrtEnv.GetAvailableProviders()</c> lists every provider compiled
/// into the native library, CUDA included even when its libraries cannot load, so CUDA is probed by appending it to
/// session options and catching the loader's error ("Failed to load shared library"). The probe result is the provider
/// for every session made with the same settings, so all four models always run on one device.
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
    /// <param name="cudaGraphs">Create it with the CUDA provider's <c>enable_cuda_graph</c> (only where
    /// <see cref="UsesCudaGraphs"/>): ONNX Runtime then refuses the session if any node would not run on CUDA.</param>
    public InferenceSession Create(string modelPath, GraphRewrite rewrite, bool cudaGraphs = false)
    {
        using var options = CreateOptions(TensorRtFor(modelPath), cudaGraphs);
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
        var tensorRt = TensorRtFor(modelPath);
        return () =>
        {
            using var options = CreateOptions(tensorRt, cudaGraphs: false);
            options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", folder);
            return new InferenceSession(bytes, options);
        };
    }

    /// <summary>
    /// A session for an in-memory graph, on the same device, with graph optimisations off. Never through TensorRT: these
    /// are the loop's few-node glue graphs, where an engine build per shape would cost minutes to save microseconds.
    /// </summary>
    public InferenceSession CreateUnoptimised(byte[] model)
    {
        using var options = CreateOptions(null, cudaGraphs: false);
        options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
        return new InferenceSession(model, options);
    }

    /// <summary>
    /// Whether the UNet is captured as CUDA graphs (Inference README §4.9.1): asked for, on the plain CUDA provider
    /// (TensorRT runs its own engines; the CPU has no graphs), and not with model CPU offload, whose session, and with it
    /// every captured graph, ends after each run.
    /// </summary>
    public bool UsesCudaGraphs => _settings.CudaGraphs && Provider.Provider == ExecutionProviderInfo.Cuda && !_settings.MemoryOptions.ModelCpuOffload;

    /// <summary>Whether the loop keeps fixed buffers per run shape and passes graph ids: with CUDA graphs, and on the CPU
    /// for tests (<see cref="ExecutionSettings.GraphPathOnCpu"/>), where ONNX Runtime ignores the ids.</summary>
    public bool UsesGraphPath => _settings.CudaGraphs && !_settings.MemoryOptions.ModelCpuOffload
        && (UsesCudaGraphs || (_settings.GraphPathOnCpu && !Provider.IsCuda));

    /// <summary>CUDA device memory when sessions run on CUDA; null on CPU, where host memory is the device's.</summary>
    public OrtMemoryInfo? DeviceMemory() => Provider.IsCuda
        ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, _settings.CudaDeviceId, OrtMemType.Default)
        : null;

    /// <summary>
    /// How TensorRT should build the pack graph at <paramref name="modelPath"/>, or null when sessions do not use it.
    /// A float16 graph gets TensorRT's float16 kernels; a float32 one stays float32, so TensorRT does not change its
    /// precision behind the user's back.
    /// </summary>
    private TensorRtBuild? TensorRtFor(string modelPath) => Provider.IsTensorRt
        ? new TensorRtBuild(_settings.TensorRt!, Fp16: OnnxGraphInfo.Read(modelPath).WeightElementType == OnnxElementType.Float16)
        : null;

    private sealed record TensorRtBuild(TensorRtSettings Settings, bool Fp16);

    private SessionOptions CreateOptions(TensorRtBuild? tensorRt, bool cudaGraphs)
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
            // TensorRT first: ONNX Runtime gives each node to the first provider that takes it.
            if (tensorRt is not null)
                AppendTensorRt(options, _settings.CudaDeviceId, tensorRt.Settings, tensorRt.Fp16);
            if (Provider.IsCuda)
                AppendCuda(options, _settings.CudaDeviceId, _settings.CudaOptions, cudaGraphs && tensorRt is null);
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
            return settings.TensorRt is { } tensorRt
                ? ProbeTensorRt(settings.CudaDeviceId, tensorRt)
                : new ExecutionProviderInfo("CUDA", settings.CudaDeviceId, $"CUDA provider loaded on device {settings.CudaDeviceId}.");
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
        var tensorRtNote = settings.TensorRt is null ? "" : " TensorRT, which needs CUDA, is not used.";
        return new ExecutionProviderInfo("CPU", null, $"CUDA unavailable ({failure}); running on CPU.{tensorRtNote}");
    }

    /// <summary>
    /// TensorRT is asked for by name, so a machine without it is an error to fix rather than a silent fall back to
    /// plain CUDA (whose speed the user did not choose).
    /// </summary>
    internal static ExecutionProviderInfo ProbeTensorRt(int deviceId, TensorRtSettings tensorRt)
    {
        string failure;
        try
        {
            using var options = new SessionOptions();
            AppendTensorRt(options, deviceId, tensorRt, fp16: false);
            return new ExecutionProviderInfo("TensorRT", deviceId,
                $"TensorRT provider loaded on CUDA device {deviceId} (CUDA for the nodes it cannot take); engines cached in {tensorRt.EngineCacheFolder}.");
        }
        catch (OnnxRuntimeException ex)
        {
            failure = FirstLine(ex.Message);
        }
        catch (EntryPointNotFoundException)
        {
            failure = "this build uses the CPU-only ONNX Runtime package (built with -p:OrtFlavor=Cpu)";
        }
        throw new InvalidOperationException(
            $"TensorRT was requested but its provider did not load: {failure}. Install TensorRT 10 for CUDA 13 so that " +
            "libnvinfer.so.10, libnvinfer_plugin.so.10 and libnvonnxparser.so.10 are on the library path (README: \"TensorRT\"), " +
            "or run on the CUDA provider without TensorRT.");
    }

    private static void AppendTensorRt(SessionOptions options, int deviceId, TensorRtSettings tensorRt, bool fp16)
    {
        Directory.CreateDirectory(tensorRt.EngineCacheFolder);
        using var trt = new OrtTensorRTProviderOptions();
        trt.UpdateOptions(new Dictionary<string, string>
        {
            ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Engines are built per input shape; without the caches every worker restart would rebuild them (minutes).
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = tensorRt.EngineCacheFolder,
            ["trt_timing_cache_enable"] = "1",
            ["trt_timing_cache_path"] = tensorRt.EngineCacheFolder,
            ["trt_fp16_enable"] = fp16 ? "1" : "0",
        });
        options.AppendExecutionProvider_Tensorrt(trt);
    }

    private static void AppendCuda(SessionOptions options, int deviceId, CudaTuning tuning, bool cudaGraphs = false)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(new Dictionary<string, string>
        {
            // With it every run must bind its inputs and outputs at fixed device addresses, or pass gpu_graph_id -1
            // (OnnxModel does for every run that names no graph).
            ["enable_cuda_graph"] = cudaGraphs ? "1" : "0",
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
