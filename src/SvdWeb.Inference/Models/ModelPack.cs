using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SvdWeb.Inference.Models;

/// <summary>
/// A validated model pack: a folder in diffusers' layout with the four ONNX graphs (Inference README §3). Loading reads
/// the configs and the graphs' signatures only (no ONNX Runtime session, no weights), so it takes milliseconds even for
/// a 6 GB UNet; <see cref="SvdPipeline.Load"/> creates the sessions.
/// </summary>
/// <remarks>
/// Layout: <c>model_index.json</c>, <c>feature_extractor/preprocessor_config.json</c>, <c>image_encoder/config.json</c>
/// + <c>model.onnx</c>, <c>vae/config.json</c>, <c>vae_encoder/model.onnx</c>, <c>vae_decoder/model.onnx</c>,
/// <c>unet/config.json</c> + <c>model.onnx</c>, <c>scheduler/scheduler_config.json</c>, and optionally
/// <c>svdweb.json</c> (SvdWeb's extension: <c>{"default_height": 576, "default_width": 1024}</c>, <c>"io"</c> for
/// graphs another tool exported under other names, <see cref="PackIo"/>, and <c>"draft_inference_steps"</c>).
/// </remarks>
public sealed class ModelPack
{
    /// <summary>diffusers' <c>__call__</c> defaults (height=576, width=1024) for every SVD checkpoint, used unless svdweb.json overrides them.</summary>
    public const int DiffusersDefaultHeight = 576, DiffusersDefaultWidth = 1024;

    /// <summary>The Draft button's denoising steps unless svdweb.json sets <c>draft_inference_steps</c>: enough for the
    /// motion to show, a third of diffusers' 25.</summary>
    public const int DefaultDraftInferenceSteps = 8;

    /// <summary>The optional file, in the pack root, that overrides the default output size and maps the graphs' names.</summary>
    public const string SettingsFileName = "svdweb.json";

    private const int HashBufferBytes = 1 << 20;

    internal ModelPack(string folder, FeatureExtractorConfig featureExtractor, ImageEncoderConfig imageEncoder, VaeConfig vae,
        UNetConfig unet, int defaultHeight, int defaultWidth, PackIo io, string precision, long parameterCount, long sizeOnDiskBytes,
        IReadOnlyDictionary<PackComponent, string> weightTypes, IReadOnlyDictionary<PackComponent, long> weightBytes, PackLicense? license,
        IReadOnlyDictionary<PackComponent, Onnx.GraphAttention> attention, int draftInferenceSteps,
        IReadOnlyDictionary<PackComponent, IReadOnlyDictionary<string, int>>? fusedOperators = null)
    {
        FusedOperators = fusedOperators ?? new Dictionary<PackComponent, IReadOnlyDictionary<string, int>>();
        DraftInferenceSteps = draftInferenceSteps;
        Attention = attention;
        Folder = folder;
        Name = Path.GetFileName(folder);
        FeatureExtractor = featureExtractor;
        ImageEncoder = imageEncoder;
        Vae = vae;
        UNet = unet;
        DefaultHeight = defaultHeight;
        DefaultWidth = defaultWidth;
        Io = io;
        Precision = precision;
        ParameterCount = parameterCount;
        SizeOnDiskBytes = sizeOnDiskBytes;
        WeightTypes = weightTypes;
        WeightBytes = weightBytes;
        License = license;
    }

    /// <summary>The pack folder's full path, without a trailing separator.</summary>
    public string Folder { get; }

    /// <summary>The folder's name, e.g. "tiny-svd"; how the app, the CLI and recipes refer to the pack.</summary>
    public string Name { get; }

    public FeatureExtractorConfig FeatureExtractor { get; }

    public ImageEncoderConfig ImageEncoder { get; }

    public VaeConfig Vae { get; }

    public UNetConfig UNet { get; }

    public string SchedulerConfigPath => Path.Combine(Folder, "scheduler", "scheduler_config.json");

    /// <summary>The frames the UNet was trained on (unet num_frames: 14 for SVD, 25 for XT).</summary>
    public int DefaultFrames => UNet.NumFrames;

    /// <summary>576 (diffusers' default) unless svdweb.json sets default_height.</summary>
    public int DefaultHeight { get; }

    /// <summary>1024 (diffusers' default) unless svdweb.json sets default_width.</summary>
    public int DefaultWidth { get; }

    /// <summary>
    /// The denoising steps of a draft (a quick preview of a recipe's motion): <see cref="DefaultDraftInferenceSteps"/>
    /// unless svdweb.json sets <c>draft_inference_steps</c>. A draft never takes more steps than its recipe
    /// (<see cref="DraftStepsFor"/>).
    /// </summary>
    public int DraftInferenceSteps { get; }

    /// <summary>The steps a draft of a recipe with <paramref name="recipeSteps"/> steps runs: the pack's draft steps, never more than the recipe's.</summary>
    public int DraftStepsFor(int recipeSteps) => Math.Min(DraftInferenceSteps, recipeSteps);

    /// <summary>
    /// The graphs' input and output names and the UNet's timestep shape: the contract's (Inference README §3.2) unless
    /// svdweb.json's "io" maps another exporter's, e.g. the TensorRT repo's UNet output <c>latent</c> and timestep [1].
    /// </summary>
    public PackIo Io { get; }

    /// <summary>
    /// The weights' element type: "float32", "float16", or the UNet's type followed by the components that differ, e.g.
    /// "float16 (VAE encoder float32)" for a faithful fp16 pack (diffusers upcasts the VAE encoder: Inference
    /// README §3.3).
    /// </summary>
    public string Precision { get; }

    /// <summary>Numbers stored in the four graphs' initializers, summed (see <see cref="Onnx.OnnxGraphInfo"/> for what that counts).</summary>
    public long ParameterCount { get; }

    /// <summary>Bytes of every file in the folder, recursively, external-data files included, when the pack was loaded.</summary>
    public long SizeOnDiskBytes { get; }

    /// <summary>Each graph's weight element type ("float32", "float16", …): what <see cref="Precision"/> summarises.</summary>
    public IReadOnlyDictionary<PackComponent, string> WeightTypes { get; }

    /// <summary>
    /// Bytes of each graph on disk: model.onnx plus the external-data files it reads. ONNX Runtime copies these weights to
    /// the device, so they are the weights term of <see cref="Memory.GpuMemoryEstimator"/>.
    /// </summary>
    public IReadOnlyDictionary<PackComponent, long> WeightBytes { get; }

    /// <summary>
    /// How each graph computes attention, from its nodes: fused (com.microsoft MultiHeadAttention, what the export
    /// writes by default) or materialised (MatMul → Softmax → MatMul, which keeps every score matrix: tens of GB at
    /// SVD-XT's default size). The memory estimate and <see cref="AttentionWarning"/> read it.
    /// </summary>
    public IReadOnlyDictionary<PackComponent, Onnx.GraphAttention> Attention { get; }

    /// <summary>
    /// Each graph's com.microsoft operators (MultiHeadAttention and ONNX Runtime's UNet fusions) with their node counts,
    /// from its nodes; a graph with none has an empty map. Loading checks them against
    /// <see cref="Onnx.FusedOperatorKernels"/> for the provider it runs on.
    /// </summary>
    public IReadOnlyDictionary<PackComponent, IReadOnlyDictionary<string, int>> FusedOperators { get; }

    /// <summary>
    /// For each graph whose com.microsoft operators cannot all run on <paramref name="provider"/> (no ONNX Runtime kernel
    /// there and no decomposition; <see cref="Onnx.FusedOperatorKernels"/>), the problem and its fix; empty when the pack
    /// loads there. <see cref="SvdPipeline.Load"/> refuses the pack with the first one.
    /// </summary>
    public IReadOnlyList<string> FusionProblems(Onnx.ExecutionProviderInfo provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var problems = new List<string>();
        foreach (var (component, operators) in FusedOperators)
        {
            try
            {
                Onnx.FusedOperatorKernels.Check(Folder, DisplayName(component), operators, provider,
                    WeightTypes.TryGetValue(component, out var type) && type == "float16");
            }
            catch (ModelPackException ex)
            {
                problems.Add(ex.Problems[0]);
            }
        }
        return problems;
    }

    /// <summary>"UNet: GroupNorm 61, MultiHeadAttention 24; image encoder: MultiHeadAttention 2", or "none".</summary>
    public string DescribeFusedOperators()
    {
        var parts = Enum.GetValues<PackComponent>()
            .Where(c => FusedOperators.TryGetValue(c, out var ops) && ops.Count > 0)
            .Select(c => $"{DisplayName(c)}: {string.Join(", ", FusedOperators[c].Select(o => $"{o.Key} {o.Value}"))}")
            .ToList();
        return parts.Count == 0 ? "none" : string.Join("; ", parts);
    }

    /// <summary>
    /// Whether the UNet materialises its attention scores: the memory that matters (at SVD-XT's default size one spatial
    /// score matrix is 42 GB in float16; the image encoder's 257 tokens are megabytes either way).
    /// </summary>
    public bool MaterializedAttention => Attention.TryGetValue(PackComponent.UNet, out var unet) && unet.Materialized;

    /// <summary>Each graph's attention in words, e.g. "UNet 24 fused; image encoder 2 materialised (MatMul → Softmax → MatMul)".</summary>
    public string DescribeAttention() => string.Join("; ", Enum.GetValues<PackComponent>()
        .Where(c => Attention.TryGetValue(c, out var a) && (a.FusedNodes > 0 || a.SoftmaxNodes > 0))
        .Select(c => $"{DisplayName(c)} {Attention[c].Describe()}"));

    /// <summary>
    /// Null when the UNet's attention is fused; else what is materialised and the fix (the export's default writes fused
    /// attention), for <c>svdweb models</c> and the Models page.
    /// </summary>
    public string? AttentionWarning => MaterializedAttention
        ? $"the UNet's attention is not fused ({Attention[PackComponent.UNet].Describe()}): its score matrices are kept whole, tens of GB " +
          "at SVD-XT's 576×1024 and 25 frames. Re-export the pack with tools/export/export_svd_onnx.py, whose default (--attention fused) " +
          "writes ONNX Runtime's fused MultiHeadAttention."
        : null;

    /// <summary>
    /// Null unless a graph's weights are float16; else what that costs on the CPU provider, whose float16 kernels cover
    /// few operators: it wraps the others in Casts and its constant folding makes a float32 copy of every weight while
    /// the float16 one is still loaded (the full-size SVD-XT UNet: 8.4 GiB against the float32 pack's 5.4 GiB; README,
    /// "Exactness"). Said when such a pack is loaded on the CPU, and by <c>svdweb models</c>.
    /// </summary>
    public string? CpuPrecisionWarning => WeightTypes.Values.Contains("float16")
        ? "a float16 pack takes more memory on the CPU provider than its float32 export (ONNX Runtime keeps float32 copies of " +
          "the weights beside the float16 ones, and computes in float32 anyway). On a CPU, use the float32 export " +
          "(tools/export/export_svd_onnx.py without --fp16); float16 is for CUDA."
        : null;

    /// <summary>The license the pack ships (a LICENSE file the exporter copied), or null for a pack without one.</summary>
    public PackLicense? License { get; }

    /// <summary>The ONNX file of a component.</summary>
    public string ModelPath(PackComponent component) => Path.Combine(Folder, RelativeModelPath(component));

    /// <summary>Validates the pack and returns it.</summary>
    /// <exception cref="ModelPackException">The pack has problems; <see cref="ModelPackException.Problems"/> lists every one.</exception>
    public static ModelPack Load(string folder)
    {
        var validation = Validate(folder);
        return validation.Pack ?? throw new ModelPackException(FullFolder(folder), validation.Problems);
    }

    /// <summary>
    /// Checks the folder against the pack contract: required files, configs, the ONNX graphs' inputs and outputs against
    /// the configs, and the components against each other. Never throws for a bad pack: every problem found is listed.
    /// </summary>
    public static PackValidation Validate(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (string.IsNullOrWhiteSpace(folder))
            return new PackValidation(null, ["No model pack folder was given. Give the path of a folder holding model_index.json."]);
        return new ModelPackValidator(FullFolder(folder)).Run();
    }

    /// <summary>
    /// SHA-256, lowercase hex, over every file in the pack folder in ordinal order of its '/'-separated relative path:
    /// for each file, the UTF-8 path, a 0 byte, the length as 8 bytes little-endian, then the contents. Two folders
    /// with the same files hash the same wherever they are. Streams the files (gigabytes), reporting the fraction of
    /// bytes done to <paramref name="progress"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    /// <exception cref="IOException">A file cannot be read, or changed size while being hashed.</exception>
    public async Task<string> ComputeHashAsync(IProgress<double>? progress, CancellationToken ct)
    {
        var files = ListFiles(Folder);
        var totalBytes = files.Sum(f => f.Length);
        long doneBytes = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(HashBufferBytes);
        try
        {
            foreach (var (relativePath, fullPath, _) in files)
            {
                ct.ThrowIfCancellationRequested();
                await using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
                    FileOptions.Asynchronous | FileOptions.SequentialScan);
                // The length written is the one read now, so a file replaced since listing still hashes consistently.
                var length = stream.Length;
                hash.AppendData(Encoding.UTF8.GetBytes(relativePath));
                hash.AppendData([0]);
                BinaryPrimitives.WriteInt64LittleEndian(buffer, length);
                hash.AppendData(buffer, 0, sizeof(long));
                for (long remaining = length; remaining > 0;)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), ct).ConfigureAwait(false);
                    if (read == 0)
                        throw new IOException($"{relativePath} in model pack '{Folder}' got shorter while being hashed; hash it again once it is copied completely.");
                    hash.AppendData(buffer, 0, read);
                    remaining -= read;
                    doneBytes += read;
                    progress?.Report(totalBytes == 0 ? 1 : Math.Min(1, (double)doneBytes / totalBytes));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        progress?.Report(1);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    internal static string RelativeModelPath(PackComponent component) => component switch
    {
        PackComponent.ImageEncoder => "image_encoder/model.onnx",
        PackComponent.VaeEncoder => "vae_encoder/model.onnx",
        PackComponent.VaeDecoder => "vae_decoder/model.onnx",
        PackComponent.UNet => "unet/model.onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, "Not a pack component."),
    };

    /// <summary>What a component is called in messages and <see cref="Precision"/>.</summary>
    internal static string DisplayName(PackComponent component) => component switch
    {
        PackComponent.ImageEncoder => "image encoder",
        PackComponent.VaeEncoder => "VAE encoder",
        PackComponent.VaeDecoder => "VAE decoder",
        PackComponent.UNet => "UNet",
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, "Not a pack component."),
    };

    /// <summary>
    /// The pack's precision in words: the UNet's weight type (most of the parameters), then every component stored
    /// differently, e.g. "float16 (VAE encoder float32)".
    /// </summary>
    internal static string DescribePrecision(IReadOnlyDictionary<PackComponent, string> weightTypes)
    {
        var main = weightTypes[PackComponent.UNet];
        var others = Enum.GetValues<PackComponent>()
            .Where(c => weightTypes.TryGetValue(c, out var type) && type != main)
            .Select(c => $"{DisplayName(c)} {weightTypes[c]}")
            .ToArray();
        return others.Length == 0 ? main : $"{main} ({string.Join(", ", others)})";
    }

    /// <summary>Every file below the folder with its '/'-separated relative path, in ordinal order of that path.</summary>
    /// <exception cref="IOException">The folder cannot be listed, or a symbolic link points at nothing.</exception>
    internal static List<(string RelativePath, string FullPath, long Length)> ListFiles(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        return new DirectoryInfo(folder).EnumerateFiles("*", options)
            .Select(f =>
            {
                var relativePath = Path.GetRelativePath(folder, f.FullName).Replace(Path.DirectorySeparatorChar, '/');
                return (RelativePath: relativePath, FullPath: f.FullName, Length: ContentLength(f, relativePath));
            })
            .OrderBy(f => f.RelativePath, StringComparer.Ordinal)
            .ToList();
    }

    // A pack made from the Hugging Face cache is symbolic links into blobs/: what counts is the target's size, the
    // bytes that are read and hashed, not the link's own few bytes.
    internal static long ContentLength(FileInfo file, string relativePath)
    {
        if (file.LinkTarget is null)
            return file.Length;
        var target = file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        return target is { Exists: true }
            ? target.Length
            : throw new FileNotFoundException($"{relativePath} is a symbolic link to '{file.LinkTarget}', which does not exist", relativePath);
    }

    private static string FullFolder(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
}
