using System.Globalization;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference.Models;

/// <summary>
/// One validation pass over a pack folder (<see cref="ModelPack.Validate"/>). Policy: collect every problem rather than
/// stop at the first, so a user fixes a broken pack in one round; read configs and ONNX signatures only, never weights
/// and never an ONNX Runtime session, so validating a 6 GB pack takes milliseconds; and never throw for a bad pack.
/// </summary>
internal sealed class ModelPackValidator(string folder)
{
    private const string PipelineClassName = "StableVideoDiffusionPipeline";
    private const string ModelIndexPath = "model_index.json";
    private const string SchedulerConfigRelativePath = "scheduler/scheduler_config.json";
    private const string DefaultHeightKey = "default_height", DefaultWidthKey = "default_width", LicenseUrlKey = "license_url",
        DraftStepsKey = "draft_inference_steps";

    private readonly List<string> _problems = [];

    public PackValidation Run()
    {
        if (File.Exists(folder))
            return Fail($"'{folder}' is a file, not a model pack folder. Give the folder that holds model_index.json.");
        if (!Directory.Exists(folder))
            return Fail($"The model pack folder '{folder}' does not exist. Give the path of a folder holding model_index.json (a diffusers SVD checkpoint with its four ONNX graphs).");

        CheckModelIndex();
        var featureExtractor = ReadConfig(FeatureExtractorConfig.RelativePath, "the CLIP image processor settings (image_mean, image_std)", FeatureExtractorConfig.Read);
        var imageEncoder = ReadConfig(ImageEncoderConfig.RelativePath, "the image encoder config", ImageEncoderConfig.Read);
        var vae = ReadConfig(VaeConfig.RelativePath, "the VAE config", VaeConfig.Read);
        var unet = ReadConfig(UNetConfig.RelativePath, "the UNet config", UNetConfig.Read);
        CheckScheduler();
        var (defaultHeight, defaultWidth, io, licenseUrl, draftSteps) = ReadSettings();
        var license = ReadLicense(licenseUrl);
        CheckConfigsAgree(imageEncoder, vae, unet);

        var graphs = new Dictionary<PackComponent, OnnxGraphInfo>();
        foreach (var component in Enum.GetValues<PackComponent>())
        {
            var graph = ReadGraph(component);
            if (graph is null)
                continue;
            GraphContract.For(component, imageEncoder, vae, unet, io).Check(graph, _problems);
            CheckExternalData(component, graph);
            graphs[component] = graph;
        }

        var sizeOnDisk = SizeOnDisk();
        if (featureExtractor is null || imageEncoder is null || vae is null || unet is null || defaultHeight is null ||
            defaultWidth is null || graphs.Count != 4 || sizeOnDisk is null)
        {
            return Result(null);
        }
        var weightTypes = graphs.ToDictionary(g => g.Key, g => WeightTypeName(g.Value));
        var precision = ModelPack.DescribePrecision(weightTypes);
        var weightBytes = graphs.ToDictionary(g => g.Key, g => GraphBytes(g.Key, g.Value));
        var pack = new ModelPack(folder, featureExtractor, imageEncoder, vae, unet, defaultHeight.Value, defaultWidth.Value, io,
            precision, graphs.Values.Sum(g => g.ParameterCount), sizeOnDisk.Value, weightTypes, weightBytes, license,
            graphs.ToDictionary(g => g.Key, g => g.Value.Attention), draftSteps,
            graphs.ToDictionary(g => g.Key, g => g.Value.MicrosoftOperators));
        CheckDefaultSizeFitsUNet(pack);
        return Result(pack);
    }

    private PackValidation Fail(string problem)
    {
        _problems.Add(problem);
        return Result(null);
    }

    private PackValidation Result(ModelPack? pack) =>
        _problems.Count == 0 && pack is not null ? new PackValidation(pack, []) : new PackValidation(null, _problems.ToArray());

    private T? ReadConfig<T>(string relativePath, string role, Func<PackJsonFile, T?> read)
        where T : class
    {
        var json = PackJsonFile.Open(folder, relativePath, role, RestoreFix(relativePath), _problems);
        return json is null ? null : read(json);
    }

    private static string RestoreFix(string relativePath) =>
        $"Copy {relativePath} unchanged from the diffusers checkpoint the pack was exported from.";

    private void CheckModelIndex()
    {
        var json = PackJsonFile.Open(folder, ModelIndexPath, $"diffusers' model_index.json (\"_class_name\": \"{PipelineClassName}\")",
            RestoreFix(ModelIndexPath), _problems);
        var className = json?.String("_class_name");
        if (className is not null && className != PipelineClassName)
        {
            json!.AddProblem($"key '_class_name' is \"{className}\", but this app runs only \"{PipelineClassName}\" (SVD image-to-video). " +
                "This folder holds another kind of diffusers model; use an SVD checkpoint's pack.");
        }
    }

    /// <summary>
    /// The scheduler's own reader and constructor decide what is supported (they reject, for instance, a non-Karras
    /// schedule); their problems name the file alone, so the pack-relative path is put in front.
    /// </summary>
    private void CheckScheduler()
    {
        var path = Path.Combine(folder, "scheduler", "scheduler_config.json");
        if (!File.Exists(path))
        {
            _problems.Add($"{SchedulerConfigRelativePath} is missing (looked for {path}); every pack needs the scheduler config. " +
                RestoreFix(SchedulerConfigRelativePath));
            return;
        }
        try
        {
            _ = new EulerDiscreteScheduler(EulerSchedulerConfig.Load(path));
        }
        catch (ModelPackException ex)
        {
            foreach (var problem in ex.Problems)
            {
                _problems.Add(problem.StartsWith("scheduler_config.json", StringComparison.Ordinal)
                    ? "scheduler/" + problem
                    : $"{SchedulerConfigRelativePath}: {problem}");
            }
        }
    }

    /// <summary>
    /// svdweb.json, when the pack has one: the default size (else diffusers' 576×1024), the graphs' names
    /// (<see cref="PackIo"/>, else the contract's) and the Draft button's steps (else <see cref="ModelPack.DefaultDraftInferenceSteps"/>). The sides are checked here for what needs no other config;
    /// <see cref="CheckDefaultSizeFitsUNet"/> checks them against the UNet once the pack is built. A file that cannot be
    /// read leaves the names unmapped, so the graphs are still checked.
    /// </summary>
    private (int? Height, int? Width, PackIo Io, Uri? LicenseUrl, int DraftSteps) ReadSettings()
    {
        var path = Path.Combine(folder, ModelPack.SettingsFileName);
        if (!File.Exists(path))
            return (ModelPack.DiffusersDefaultHeight, ModelPack.DiffusersDefaultWidth, PackIo.Default, null, ModelPack.DefaultDraftInferenceSteps);

        const string Fix = "svdweb.json is SvdWeb's optional pack settings file, e.g. {\"default_height\": 576, \"default_width\": 1024}; fix the value, or remove the key to use diffusers' 576×1024.";
        var json = PackJsonFile.Open(folder, ModelPack.SettingsFileName, "valid settings", Fix, _problems);
        if (json is null)
            return (null, null, PackIo.Default, null, ModelPack.DefaultDraftInferenceSteps);
        foreach (var key in json.Keys.Where(k => k is not (DefaultHeightKey or DefaultWidthKey or PackIo.Key or LicenseUrlKey or DraftStepsKey)))
            json.AddProblem($"unknown key '{key}'; the keys SvdWeb reads are '{DefaultHeightKey}', '{DefaultWidthKey}', '{PackIo.Key}', '{LicenseUrlKey}' and '{DraftStepsKey}'.");
        var height = json.Has(DefaultHeightKey) ? Side(json, DefaultHeightKey) : ModelPack.DiffusersDefaultHeight;
        var width = json.Has(DefaultWidthKey) ? Side(json, DefaultWidthKey) : ModelPack.DiffusersDefaultWidth;
        Uri? licenseUrl = null;
        if (json.Has(LicenseUrlKey) && json.String(LicenseUrlKey) is { } url)
        {
            licenseUrl = PackLicense.WebAddress(url);
            if (licenseUrl is null)
                json.AddProblem($"key '{LicenseUrlKey}' is \"{url}\", which is not an http or https address; give the license's full address, e.g. \"https://stability.ai/community-license-agreement\".");
        }
        return (height, width, PackIo.Read(json), licenseUrl, DraftSteps(json));
    }

    private static int DraftSteps(PackJsonFile json)
    {
        if (!json.Has(DraftStepsKey) || json.Int(DraftStepsKey) is not { } steps)
            return ModelPack.DefaultDraftInferenceSteps;
        if (steps > SvdParameterLimits.MaxSteps)
        {
            json.AddProblem(string.Create(CultureInfo.InvariantCulture,
                $"key '{DraftStepsKey}' is {steps}, but denoising steps must be between {SvdParameterLimits.MinSteps} and {SvdParameterLimits.MaxSteps}; a draft takes few, e.g. {ModelPack.DefaultDraftInferenceSteps}."));
            return ModelPack.DefaultDraftInferenceSteps;
        }
        return steps;
    }

    /// <summary>The license file the exporter copied into the pack root, if any; one that cannot be read is a problem, not "no license".</summary>
    private PackLicense? ReadLicense(Uri? settingsUrl)
    {
        try
        {
            return PackLicense.Read(folder, settingsUrl);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"The pack's license file cannot be read ({ex.Message}). Check its permissions, or re-copy it from the checkpoint.");
            return null;
        }
    }

    /// <summary>model.onnx's length plus the external-data files it reads (each counted once, however many tensors share it).</summary>
    private long GraphBytes(PackComponent component, OnnxGraphInfo graph)
    {
        var path = Path.Combine(folder, ModelPack.RelativeModelPath(component));
        var graphFolder = Path.GetDirectoryName(path)!;
        return ModelPack.ContentLength(new FileInfo(path), ModelPack.RelativeModelPath(component)) + graph.ExternalDataFiles.Keys
            .Select(location => new FileInfo(Path.Combine(graphFolder, location)))
            .Where(file => file.Exists)
            .Sum(file => ModelPack.ContentLength(file, file.Name));
    }

    private static int? Side(PackJsonFile json, string key)
    {
        if (json.Int(key) is not { } side)
            return null;
        if (side % 8 != 0)
        {
            // diffusers' check_inputs: height and width must be divisible by 8 (the VAE's factor).
            var lower = Math.Max(8, side / 8 * 8);
            json.AddProblem(string.Create(CultureInfo.InvariantCulture,
                $"key '{key}' is {side}, but it must be a multiple of 8 (diffusers requires it for the VAE); use {lower} or {lower + 8}."));
            return null;
        }
        if (side is < SvdParameterLimits.MinSide or > SvdParameterLimits.MaxSide)
        {
            json.AddProblem(string.Create(CultureInfo.InvariantCulture,
                $"key '{key}' is {side}, but sides must be between {SvdParameterLimits.MinSide} and {SvdParameterLimits.MaxSide} (SvdParameterLimits)."));
            return null;
        }
        return side;
    }

    /// <summary>
    /// The default size must be one the pipeline accepts for this pack, or every request without a size would fail:
    /// <see cref="SvdParameterLimits.SideMultiple"/> adds the UNet's down-sampling to the VAE's 8.
    /// </summary>
    private void CheckDefaultSizeFitsUNet(ModelPack pack)
    {
        var multiple = SvdParameterLimits.SideMultiple(pack);
        foreach (var (key, side) in new[] { (DefaultHeightKey, pack.DefaultHeight), (DefaultWidthKey, pack.DefaultWidth) })
        {
            if (side % multiple == 0)
                continue;
            var lower = Math.Max(multiple, side / multiple * multiple);
            var found = File.Exists(Path.Combine(folder, ModelPack.SettingsFileName))
                ? $"{ModelPack.SettingsFileName}: key '{key}' is {side}"
                : $"the default {key.Replace('_', ' ')} is diffusers' {side} (no {ModelPack.SettingsFileName})";
            _problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{found}, but this pack's UNet has {pack.UNet.BlockOutChannels.Count} blocks ({UNetConfig.RelativePath} block_out_channels), so image sides must be multiples of {multiple}. " +
                $"Set \"{key}\": {lower} (or {lower + multiple}) in {ModelPack.SettingsFileName}."));
        }
    }

    /// <summary>The checks diffusers makes between components (_get_add_time_ids()) and those the pipeline's tensors rely on.</summary>
    private void CheckConfigsAgree(ImageEncoderConfig? imageEncoder, VaeConfig? vae, UNetConfig? unet)
    {
        const string Fix = "The components come from different checkpoints; export all four models and their configs from the same one.";
        if (unet is not null && vae is not null && unet.InChannels != 2 * vae.LatentChannels)
        {
            _problems.Add($"{UNetConfig.RelativePath}: in_channels is {unet.InChannels}, but the UNet takes the noisy latents and the image " +
                $"latents concatenated, 2 × latent_channels = {2 * vae.LatentChannels} ({VaeConfig.RelativePath} latent_channels is {vae.LatentChannels}). {Fix}");
        }
        if (unet is not null && vae is not null && unet.OutChannels != vae.LatentChannels)
        {
            _problems.Add($"{UNetConfig.RelativePath}: out_channels is {unet.OutChannels}, but the UNet predicts latents with " +
                $"{VaeConfig.RelativePath} latent_channels = {vae.LatentChannels} channels. {Fix}");
        }
        if (unet is not null && 3 * unet.AdditionTimeEmbedDim != unet.ProjectionClassEmbeddingsInputDim)
        {
            // diffusers' _get_add_time_ids() raises the same mismatch (Inference README §3.1).
            _problems.Add($"{UNetConfig.RelativePath}: addition_time_embed_dim {unet.AdditionTimeEmbedDim} × 3 added time ids = " +
                $"{3 * unet.AdditionTimeEmbedDim}, but projection_class_embeddings_input_dim is {unet.ProjectionClassEmbeddingsInputDim} " +
                $"(diffusers raises \"Model expects an added time embedding vector of length …\"). Copy {UNetConfig.RelativePath} unchanged from the checkpoint.");
        }
        if (imageEncoder is not null && unet is not null && imageEncoder.ProjectionDim != unet.CrossAttentionDim)
        {
            _problems.Add($"{ImageEncoderConfig.RelativePath}: projection_dim is {imageEncoder.ProjectionDim}, but the UNet attends to " +
                $"image embeddings of {UNetConfig.RelativePath} cross_attention_dim = {unet.CrossAttentionDim}. {Fix}");
        }
    }

    private OnnxGraphInfo? ReadGraph(PackComponent component)
    {
        var relativePath = ModelPack.RelativeModelPath(component);
        var path = Path.Combine(folder, relativePath);
        var stage = ModelPack.DisplayName(component);
        if (!File.Exists(path))
        {
            _problems.Add($"{relativePath} is missing (looked for {path}); every pack needs the {stage} exported to ONNX. " +
                $"Copy it into the pack, or re-export the {stage}.");
            return null;
        }
        try
        {
            return OnnxGraphInfo.Read(path);
        }
        catch (InvalidDataException ex)
        {
            _problems.Add($"{relativePath} is truncated or not an ONNX model ({ex.Message}); re-export or re-copy it.");
        }
        catch (FileNotFoundException) when (new FileInfo(path).LinkTarget is { } target)
        {
            // File.Exists is true for a symbolic link whatever its target, so only opening it finds a dangling one.
            _problems.Add($"{relativePath} is a symbolic link to '{target}', which does not exist. " +
                $"Copy the {stage}'s ONNX file in its place, or fix the link.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"{relativePath} cannot be read ({ex.Message}). Check the file's permissions, or re-copy it.");
        }
        return null;
    }

    /// <summary>
    /// Graphs over 2 GB (every real UNet in float32) keep their weights in separate files beside model.onnx; a pack
    /// copied without them validates by signature but fails in ONNX Runtime, so their presence and length are checked.
    /// </summary>
    private void CheckExternalData(PackComponent component, OnnxGraphInfo graph)
    {
        var relativePath = ModelPack.RelativeModelPath(component);
        var graphFolder = Path.GetDirectoryName(Path.Combine(folder, relativePath))!;
        var graphFolderRelative = relativePath[..relativePath.LastIndexOf('/')];
        foreach (var (location, bytesNeeded) in graph.ExternalDataFiles)
        {
            var dataRelative = $"{graphFolderRelative}/{location.Replace('\\', '/')}";
            // ONNX Runtime only opens external data inside the model's folder (a path relative to it, no "..").
            if (Path.IsPathRooted(location) || location.Contains('\0', StringComparison.Ordinal) ||
                location.Replace('\\', '/').Split('/').Contains(".."))
            {
                _problems.Add($"{relativePath} keeps weights in '{location}' (ONNX external data), outside its own folder; ONNX Runtime refuses such paths. " +
                    $"Re-export the {ModelPack.DisplayName(component)} with its external data beside model.onnx.");
                continue;
            }
            var dataPath = Path.Combine(graphFolder, location);
            if (!File.Exists(dataPath))
            {
                _problems.Add($"{dataRelative} is missing: {relativePath} keeps weights in it (ONNX external data). Copy it from the export beside {relativePath}.");
                continue;
            }
            var length = new FileInfo(dataPath).Length;
            if (length < bytesNeeded)
            {
                _problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{dataRelative} is {length:N0} bytes, but {relativePath} reads weights up to byte {bytesNeeded:N0} of it; it is truncated. Re-copy it."));
            }
        }
    }

    private long? SizeOnDisk()
    {
        try
        {
            return ModelPack.ListFiles(folder).Sum(f => f.Length);
        }
        catch (FileNotFoundException ex) when (ex.FileName is { } relativePath)
        {
            // A dangling link to a required file is already reported by the check that tried to read it.
            if (!_problems.Any(p => p.StartsWith(relativePath + " ", StringComparison.Ordinal)))
                _problems.Add($"{ex.Message}. Copy the file in its place, or remove the link.");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"The pack folder cannot be listed ({ex.Message}). Check the permissions of '{folder}' and its subfolders.");
            return null;
        }
    }

    /// <summary>The weights' type name; a graph without floating-point weights is described by its first input's type.</summary>
    private static string WeightTypeName(OnnxGraphInfo graph)
    {
        var type = graph.WeightElementType;
        if (type == OnnxElementType.Undefined)
            type = graph.Inputs.Count > 0 ? graph.Inputs[0].ElementType : OnnxElementType.Undefined;
        return OnnxElementType.Name(type);
    }
}
