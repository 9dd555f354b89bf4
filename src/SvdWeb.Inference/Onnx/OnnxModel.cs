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
    private readonly string _stage;
    // Model CPU offload: makes the session again from what is held in host memory; null when the session stays.
    private readonly Func<InferenceSession>? _recreate;
    // For Recreate: how the session was made.
    private readonly SessionFactory? _factory;
    private readonly GraphRewrite _rewrite = GraphRewrite.None;
    private InferenceSession? _session;
    private readonly Dictionary<string, TensorElementType> _inputTypes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorElementType> _outputTypes = new(StringComparer.Ordinal);

    /// <param name="factory">Creates the session.</param>
    /// <param name="path">The ONNX file.</param>
    /// <param name="stage">The stage's name in messages.</param>
    /// <param name="rewrite">Load-time rewrites (<see cref="GraphRewrite"/>).</param>
    /// <param name="offload">diffusers' model CPU offload: the session exists only between <see cref="Session"/>'s first
    /// use and <see cref="Offload"/>, so the device holds this network's weights and arena only while its stage runs;
    /// the graph stays in host memory, so bringing it back is a session creation from memory, not a parse of the file.</param>
    /// <param name="cudaGraphs">Create the session with CUDA graphs enabled (<see cref="SessionFactory.Create"/>); every run
    /// then passes a graph id, <see cref="OrtRunner.NoGraph"/> unless <see cref="Run(OrtIoBinding, int, CancellationToken)"/>
    /// names one. Not with offload.</param>
    public OnnxModel(SessionFactory factory, string path, string stage, GraphRewrite? rewrite = null, bool offload = false, bool cudaGraphs = false)
    {
        _stage = stage;
        Path = path;
        CudaGraphs = cudaGraphs && !offload;
        if (offload)
        {
            _recreate = factory.CreateFromMemory(path, rewrite ?? GraphRewrite.None);
            Adopt(_recreate());
        }
        else
        {
            _factory = factory;
            _rewrite = rewrite ?? GraphRewrite.None;
            Adopt(factory.Create(path, _rewrite, CudaGraphs));
        }
    }

    /// <summary>
    /// Makes the session again from the file, as it was first made: the only way to free the CUDA graphs ONNX Runtime
    /// keeps per session (Inference README §4.9.1). Values allocated from the old session must be disposed first.
    /// Nothing to do for an offloaded model, whose session ends after every run.
    /// </summary>
    public void Recreate()
    {
        if (_factory is null) return;
        _session?.Dispose();
        _session = null;
        Adopt(_factory.Create(Path, _rewrite, CudaGraphs));
    }

    /// <summary>Whether the session was made with CUDA graphs enabled.</summary>
    public bool CudaGraphs { get; }

    // A graph-enabled session would capture under ONNX Runtime's default id 0 on a run that names none.
    private int? DefaultGraphId => CudaGraphs ? OrtRunner.NoGraph : null;

    /// <summary>A graph built in memory (the denoising loop's glue), run without graph optimisations: they may not
    /// change which float16 roundings happen (e.g. by removing a Cast to half and back), and there is nothing to gain.</summary>
    public OnnxModel(SessionFactory factory, byte[] model, string stage)
    {
        Adopt(factory.CreateUnoptimised(model));
        _stage = stage;
        Path = $"(built-in {stage} graph)";
    }

    public string Path { get; }

    /// <summary>Whether the session is on the device now (always, unless made with offload and offloaded).</summary>
    public bool IsLoaded => _session is not null;

    /// <summary>Time spent re-creating offloaded sessions since the last <see cref="ResetTimer"/>.</summary>
    public TimeSpan TimeInReloads { get; private set; }

    private InferenceSession Session
    {
        get
        {
            if (_session is not null) return _session;
            var start = Stopwatch.GetTimestamp();
            _session = _recreate!();
            TimeInReloads += Stopwatch.GetElapsedTime(start);
            return _session;
        }
    }

    /// <summary>With offload, disposes the session (its weights and arena leave the device); else does nothing.</summary>
    public void Offload()
    {
        if (_recreate is null) return;
        _session?.Dispose();
        _session = null;
    }

    private void Adopt(InferenceSession session)
    {
        _session = session;
        foreach (var (name, meta) in session.InputMetadata) _inputTypes[name] = meta.ElementDataType;
        foreach (var (name, meta) in session.OutputMetadata) _outputTypes[name] = meta.ElementDataType;
        if (_recreate is not null) Offload();
    }

    /// <summary>Time spent in runs since the last <see cref="ResetTimer"/>.</summary>
    public TimeSpan TimeInRuns { get; private set; }

    public TensorElementType InputType(string name) => _inputTypes.TryGetValue(name, out var type)
        ? type
        : throw new InvalidOperationException($"{Path} has no input '{name}'; inputs are {string.Join(", ", _inputTypes.Keys)}.");

    public TensorElementType OutputType(string name) => _outputTypes.TryGetValue(name, out var type)
        ? type
        : throw new InvalidOperationException($"{Path} has no output '{name}'; outputs are {string.Join(", ", _outputTypes.Keys)}.");

    public void ResetTimer()
    {
        TimeInRuns = TimeSpan.Zero;
        TimeInReloads = TimeSpan.Zero;
    }

    /// <summary>Ends a profiling session (see <see cref="ExecutionSettings.ProfilePrefix"/>) and returns its JSON file;
    /// null for an offloaded session, whose profile ended with it.</summary>
    public string? EndProfiling() => _session?.EndProfiling();

    /// <summary>Runs with preallocated outputs (float16 staging is synchronised on both sides).</summary>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtTensor> inputs, IReadOnlyList<string> outputNames, IReadOnlyList<OrtTensor> outputs, CancellationToken ct)
    {
        foreach (var input in inputs) input.CopyToOrt();
        Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
        {
            Session.Run(runOptions, [.. inputNames], [.. inputs.Select(i => i.Value)], [.. outputNames], [.. outputs.Select(o => o.Value)]);
            return true;
        }, DefaultGraphId));
        foreach (var output in outputs) output.CopyFromOrt();
    }

    /// <summary>Runs and lets ONNX Runtime allocate the single output (its shape varies, e.g. per decode chunk).</summary>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtTensor> inputs, string outputName, Span<float> destination, CancellationToken ct)
    {
        foreach (var input in inputs) input.CopyToOrt();
        using var results = Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
            Session.Run(runOptions, [.. inputNames], [.. inputs.Select(i => i.Value)], [outputName]), DefaultGraphId));
        var output = results[0];
        var count = output.GetTensorTypeAndShape().ElementCount;
        if (count != destination.Length)
            throw new InvalidOperationException($"{Path} returned {count} values for '{outputName}', expected {destination.Length}.");
        OrtTensor.ReadOutput(output, destination);
    }

    public OrtIoBinding CreateIoBinding() => Session.CreateIoBinding();

    /// <summary>Memory on the device this session runs on, from its allocator (the CUDA arena on CUDA, the process heap
    /// on CPU), for tensors that stay there across runs. Dispose it after the values it allocated.</summary>
    public OrtAllocator CreateDeviceAllocator(OrtMemoryInfo deviceMemory) => new(Session, deviceMemory);

    /// <summary>Runs with inputs and outputs bound in <paramref name="binding"/>; values bound on the device stay there.</summary>
    public void Run(OrtIoBinding binding, CancellationToken ct) => Run(binding, DefaultGraphId, ct);

    /// <summary>Runs <paramref name="binding"/> as CUDA graph <paramref name="graphId"/> (<see cref="OrtRunner.GraphIdKey"/>):
    /// captured on its first run, replayed after; every bound value must stay at its address for as long as the id is used.</summary>
    public void Run(OrtIoBinding binding, int graphId, CancellationToken ct) => Run(binding, (int?)graphId, ct);

    private void Run(OrtIoBinding binding, int? graphId, CancellationToken ct) =>
        Timed(() => OrtRunner.Run(_stage, ct, runOptions =>
        {
            Session.RunWithBinding(runOptions, binding);
            return true;
        }, graphId));

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

    public void Dispose() => _session?.Dispose();
}
