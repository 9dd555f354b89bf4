using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SvdWeb.Inference.Onnx;

/// <summary>
/// One ONNX graph of a pack with its session, created once and reused for every request (creating a session for the
/// 1.5 B-parameter UNet takes seconds). Runs are timed so the pipeline can report time inside ONNX Runtime.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _stage;

    public OnnxModel(SessionFactory factory, string path, string stage)
    {
        _session = factory.Create(path);
        _stage = stage;
        Path = path;
    }

    /// <summary>A graph built in memory (the denoising loop's glue), run without graph optimisations: they may not
    /// change which float16 roundings happen (e.g. by removing a Cast to half and back), and there is nothing to gain.</summary>
    public OnnxModel(SessionFactory factory, byte[] model, string stage)
    {
        _session = factory.CreateUnoptimised(model);
        _stage = stage;
        Path = $"(built-in {stage} graph)";
    }

    public string Path { get; }

    /// <summary>Time spent in runs since the last <see cref="ResetTimer"/>.</summary>
    public TimeSpan TimeInRuns { get; private set; }

    public TensorElementType InputType(string name) => _session.InputMetadata.TryGetValue(name, out var meta)
        ? meta.ElementDataType
        : throw new InvalidOperationException($"{Path} has no input '{name}'; inputs are {string.Join(", ", _session.InputNames)}.");

    public TensorElementType OutputType(string name) => _session.OutputMetadata.TryGetValue(name, out var meta)
        ? meta.ElementDataType
        : throw new InvalidOperationException($"{Path} has no output '{name}'; outputs are {string.Join(", ", _session.OutputNames)}.");

    public void ResetTimer() => TimeInRuns = TimeSpan.Zero;

    /// <summary>Ends a profiling session (see <see cref="ExecutionSettings.ProfilePrefix"/>) and returns its JSON file.</summary>
    public string EndProfiling() => _session.EndProfiling();

    /// <summary>Runs with preallocated outputs (float16 staging is synchronised on both sides).</summary>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtTensor> inputs, IReadOnlyList<string> outputNames, IReadOnlyList<OrtTensor> outputs, CancellationToken ct)
    {
        foreach (var input in inputs) input.CopyToOrt();
        Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
        {
            _session.Run(runOptions, [.. inputNames], [.. inputs.Select(i => i.Value)], [.. outputNames], [.. outputs.Select(o => o.Value)]);
            return true;
        }));
        foreach (var output in outputs) output.CopyFromOrt();
    }

    /// <summary>Runs and lets ONNX Runtime allocate the single output (its shape varies, e.g. per decode chunk).</summary>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtTensor> inputs, string outputName, Span<float> destination, CancellationToken ct)
    {
        foreach (var input in inputs) input.CopyToOrt();
        using var results = Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
            _session.Run(runOptions, [.. inputNames], [.. inputs.Select(i => i.Value)], [outputName])));
        var output = results[0];
        var count = output.GetTensorTypeAndShape().ElementCount;
        if (count != destination.Length)
            throw new InvalidOperationException($"{Path} returned {count} values for '{outputName}', expected {destination.Length}.");
        OrtTensor.ReadOutput(output, destination);
    }

    public OrtIoBinding CreateIoBinding() => _session.CreateIoBinding();

    /// <summary>Memory on the device this session runs on, from its allocator (the CUDA arena on CUDA, the process heap
    /// on CPU), for tensors that stay there across runs. Dispose it after the values it allocated.</summary>
    public OrtAllocator CreateDeviceAllocator(OrtMemoryInfo deviceMemory) => new(_session, deviceMemory);

    /// <summary>Runs with inputs and outputs bound in <paramref name="binding"/>; values bound on the device stay there.</summary>
    public void Run(OrtIoBinding binding, CancellationToken ct) =>
        Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
        {
            _session.RunWithBinding(runOptions, binding);
            return true;
        }));

    private T Timed<T>(Func<T> run)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return run();
        }
        finally
        {
            TimeInRuns += Stopwatch.GetElapsedTime(start);
        }
    }

    public void Dispose() => _session.Dispose();
}
