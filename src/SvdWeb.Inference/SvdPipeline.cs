using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Loop;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Onnx;
using SvdWeb.Inference.Rng;
using SvdWeb.Inference.Scheduling;

namespace SvdWeb.Inference;

/// <summary>
/// diffusers' <c>StableVideoDiffusionPipeline.__call__</c> on ONNX Runtime, step for step (Inference README §4; the
/// numbered comments are diffusers'). Same pack, image, recipe and seed give the same frames as diffusers up to float
/// rounding: the random numbers come from <see cref="TorchGenerator"/> in diffusers' order (augmentation noise,
/// then latents), and every float32/float16 rounding point of the glue arithmetic is reproduced.
/// Sessions are created once in <see cref="Load"/> and reused; one run at a time per pipeline.
/// </summary>
public sealed partial class SvdPipeline : IDisposable
{
    private readonly OnnxModel[] _models;
    private readonly ImageEncoder _imageEncoder;
    private readonly VaeEncoder _vaeEncoder;
    private readonly VaeDecoder _vaeDecoder;
    private readonly UNet _unet;
    private readonly EulerSchedulerConfig _schedulerConfig;
    private readonly SemaphoreSlim _oneRunAtATime = new(1, 1);
    private readonly ILogger _logger;
    private readonly SessionFactory _factory;
    private readonly bool _deviceResidentLoop;
    // Glue graphs by run shape. Each pair is a few kB of graph, but on CUDA each session also holds its own stream,
    // library handles and arena, so only the last few shapes are kept; a new shape costs two session creations,
    // well under a second against a generation's tens of seconds.
    private readonly Dictionary<DenoisingShape, DenoisingGlue> _glue = [];
    private const int MaxGlueShapes = 4;
    // The UNet's captured CUDA graphs and their buffers (Inference README §4.9.1), from the UNet session's own allocator;
    // null without CUDA graphs.
    private readonly CapturedShapes? _graphs;
    private readonly OrtMemoryInfo? _graphMemory;
    private OrtAllocator? _graphAllocator;

    private SvdPipeline(ModelPack pack, SessionFactory factory, bool deviceResidentLoop, OnnxModel[] models, EulerSchedulerConfig schedulerConfig,
        int cudaGraphShapes, ILogger logger)
    {
        Pack = pack;
        _factory = factory;
        _deviceResidentLoop = deviceResidentLoop;
        Provider = factory.Provider;
        _models = models;
        _schedulerConfig = schedulerConfig;
        _logger = logger;
        _imageEncoder = new ImageEncoder(models[0], pack.Io.For(PackComponent.ImageEncoder), pack.FeatureExtractor, pack.ImageEncoder.ProjectionDim);
        _vaeEncoder = new VaeEncoder(models[1], pack.Io.For(PackComponent.VaeEncoder), pack.Vae.LatentChannels, pack.Vae.ScaleFactor);
        _vaeDecoder = new VaeDecoder(models[2], pack.Io.For(PackComponent.VaeDecoder), pack.Vae.LatentChannels, pack.Vae.ScaleFactor);
        _unet = new UNet(models[3], pack.Io.For(PackComponent.UNet), pack.Io.UNetTimestepShape);
        if (deviceResidentLoop && factory.UsesGraphPath && (models[3].CudaGraphs || !factory.Provider.IsCuda))
        {
            _graphMemory = factory.DeviceMemory();
            _graphAllocator = _graphMemory is null ? null : models[3].CreateDeviceAllocator(_graphMemory);
            _graphs = new CapturedShapes(cudaGraphShapes, shape => new DenoisingBuffers(_graphAllocator ?? OrtAllocator.DefaultInstance, shape));
            if (models[3].CudaGraphs) CudaGraphLog.Enabled(logger, cudaGraphShapes);
        }
    }

    /// <summary>The UNet call of the device-resident loop; tests put a failing capture in front of ONNX Runtime's.</summary>
    internal IUNetGraphRunner UNetRunner { get; set; } = OrtUNetGraphRunner.Instance;

    /// <summary>The captured shapes (null without CUDA graphs), for tests.</summary>
    internal CapturedShapes? Graphs => _graphs;

    /// <summary>How many times the UNet session was made again to free retired CUDA graphs.</summary>
    internal int GraphSessionResets { get; private set; }

    /// <summary>
    /// ONNX Runtime frees a session's captured graphs only with the session, so once enough graph ids have been dropped
    /// (<see cref="CapturedShapes.RetiredGraphLimit"/>) the UNet session is made again, between runs, with every kept
    /// shape's buffers freed first (they came from its allocator).
    /// </summary>
    private void ResetGraphsIfNeeded()
    {
        if (_graphs is not { NeedsSessionReset: true }) return;
        var start = Stopwatch.GetTimestamp();
        var retired = _graphs.RetiredGraphs;
        _graphs.Clear();
        _graphAllocator?.Dispose();
        _graphAllocator = null;
        _models[3].Recreate();
        if (_graphMemory is not null) _graphAllocator = _models[3].CreateDeviceAllocator(_graphMemory);
        GraphSessionResets++;
        CudaGraphLog.SessionRemade(_logger, retired, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Whether the UNet runs as captured CUDA graphs (or, in tests on the CPU, through their fixed-buffer path).</summary>
    public bool UsesCudaGraphs => _graphs is not null;

    public ModelPack Pack { get; }

    /// <summary>Where the four models run, and why (shown in logs and the UI).</summary>
    public ExecutionProviderInfo Provider { get; }

    /// <summary>What the pack's precision costs where it runs (<see cref="ModelPack.CpuPrecisionWarning"/> on the CPU), or null.</summary>
    public string? PrecisionWarning => PrecisionWarningFor(Pack, Provider);

    private static string? PrecisionWarningFor(ModelPack pack, ExecutionProviderInfo provider) => provider.IsCuda ? null : pack.CpuPrecisionWarning;

    /// <summary>Creates the four sessions on the device <paramref name="settings"/> choose (CUDA when it loads, by default).</summary>
    public static SvdPipeline Load(ModelPack pack, ExecutionSettings? settings = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        logger ??= NullLogger.Instance;
        settings ??= ExecutionSettings.Default;
        if (settings.CudaGraphShapes is < 1 or > ExecutionSettings.MaxCudaGraphShapes)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.CudaGraphShapes,
                $"CudaGraphShapes must be 1 to {ExecutionSettings.MaxCudaGraphShapes}.");
        var factory = new SessionFactory(settings);
        Log.ProviderChosen(logger, factory.Provider.ToString(), factory.Provider.Reason);
        // Said before the sessions load: that is where the memory goes.
        if (PrecisionWarningFor(pack, factory.Provider) is { } precisionWarning)
            Log.Float16OnCpu(logger, pack.Name, precisionWarning);
        var schedulerConfig = EulerSchedulerConfig.Load(pack.SchedulerConfigPath);
        var components = new[] { (PackComponent.ImageEncoder, "image encoder"), (PackComponent.VaeEncoder, "VAE encoder"), (PackComponent.VaeDecoder, "VAE decoder"), (PackComponent.UNet, "UNet") };
        // Before any weight is read: a missing kernel would otherwise surface from ONNX Runtime minutes later, naming a node.
        foreach (var (component, stage) in components)
        {
            if (pack.FusedOperators.TryGetValue(component, out var operators))
                FusedOperatorKernels.Check(pack.Folder, stage, operators, factory.Provider, pack.WeightTypes[component] == "float16");
        }
        var models = new List<OnnxModel>();
        var start = Stopwatch.GetTimestamp();
        try
        {
            foreach (var (component, stage) in components)
            {
                var path = pack.ModelPath(component);
                try
                {
                    models.Add(component == PackComponent.UNet && factory.UsesCudaGraphs
                        ? LoadUNetWithCudaGraphs(factory, path, stage, RewriteFor(pack, component, factory.Provider, settings), logger)
                        : new OnnxModel(factory, path, stage, RewriteFor(pack, component, factory.Provider, settings),
                            offload: settings.MemoryOptions.ModelCpuOffload));
                }
                catch (OnnxRuntimeException ex) when (!OrtRunner.IsOutOfMemory(ex))
                {
                    throw new ModelPackException(pack.Folder, $"{Path.GetRelativePath(pack.Folder, path)}: ONNX Runtime cannot load it: {ex.Message.Split('\n')[0]} Re-export the {stage} (tools/export).", ex);
                }
                catch (OnnxRuntimeException ex)
                {
                    throw new GpuOutOfMemoryException($"{stage} (loading its weights)", ex);
                }
            }
        }
        catch
        {
            foreach (var model in models) model.Dispose();
            throw;
        }
        Log.PackLoaded(logger, pack.Name, factory.Provider.ToString(), Stopwatch.GetElapsedTime(start).TotalSeconds);
        return new SvdPipeline(pack, factory, settings.DeviceResidentLoop, [.. models], schedulerConfig, settings.CudaGraphShapes, logger);
    }

    /// <summary>
    /// ONNX Runtime refuses a CUDA-graph session when a node of the graph would not run on CUDA (a CPU fallback, a
    /// memcpy node, a control-flow node); the UNet then loads without graphs, which is said once here.
    /// </summary>
    private static OnnxModel LoadUNetWithCudaGraphs(SessionFactory factory, string path, string stage, GraphRewrite rewrite, ILogger logger)
    {
        try
        {
            return new OnnxModel(factory, path, stage, rewrite, cudaGraphs: true);
        }
        catch (OnnxRuntimeException ex) when (!OrtRunner.IsOutOfMemory(ex))
        {
            CudaGraphLog.SessionWithoutGraphs(logger, CudaGraphLog.FirstLine(ex.Message));
            return new OnnxModel(factory, path, stage, rewrite);
        }
    }

    /// <summary>
    /// On the CPU provider, fused attention is decomposed back into the traced operators (why: AttentionDecomposition)
    /// unless <see cref="ExecutionSettings.CpuFusedAttention"/> asks for ONNX Runtime's float32 CPU kernel; CUDA runs the
    /// fused node as exported. ONNX Runtime's UNet fusions (GroupNorm, BiasSplitGelu, …) have no CPU kernel: on the CPU
    /// they are always decomposed (FusedOperatorDecomposition).
    /// </summary>
    private static GraphRewrite RewriteFor(ModelPack pack, PackComponent component, ExecutionProviderInfo provider, ExecutionSettings settings) => new(
        DecomposeAttention: !provider.IsCuda && pack.Attention[component].FusedNodes > 0
            && (!settings.CpuFusedAttention || pack.WeightTypes[component] == "float16"),
        Half: pack.WeightTypes[component] == "float16",
        ForwardChunking: settings.MemoryOptions.ForwardChunking && component == PackComponent.UNet,
        DecomposeFusedOperators: !provider.IsCuda && pack.FusedOperators.TryGetValue(component, out var operators)
            && operators.Keys.Any(FusedOperatorDecomposition.Operators.Contains));

    public static Task<SvdPipeline> LoadAsync(ModelPack pack, ExecutionSettings? settings = null, ILogger? logger = null, CancellationToken ct = default) =>
        Task.Run(() => Load(pack, settings, logger), ct);

    /// <summary>Generates the video(s) for one image. Runs on a worker thread; waits while another run is in progress.</summary>
    /// <param name="recipe">Resolved against this pipeline's <see cref="Pack"/> (<see cref="SvdRecipe.Resolve"/>), which
    /// is diffusers' step 0 (defaults from the unet) and step 1 (check inputs), done before the request is queued.</param>
    /// <exception cref="GpuOutOfMemoryException">The device ran out of memory; a smaller request can follow.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; nothing is left behind.</exception>
    public async Task<SvdResult> RunAsync(RgbImage image, ResolvedRecipe recipe, SvdRunOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(recipe);
        await _oneRunAtATime.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Run(image, recipe, options ?? new SvdRunOptions(), ct), ct).ConfigureAwait(false);
        }
        finally
        {
            _oneRunAtATime.Release();
        }
    }

    /// <summary>diffusers' <c>__call__</c>: the numbered steps, each stage a method named as diffusers names it. Every
    /// stage returns the tensors it made; the observer sees them at the stage boundary, before the next stage runs.</summary>
    private SvdResult Run(RgbImage inputImage, ResolvedRecipe recipe, SvdRunOptions options, CancellationToken ct)
    {
        foreach (var model in _models) model.ResetTimer();
        void Observe(IEnumerable<NamedTensor> tensors)
        {
            if (options.Observer is null) return;
            foreach (var tensor in tensors) options.Observer(tensor.Name, tensor.Values.Span, tensor.Shape);
        }

        // 0. Default height and width to unet, and 1. Check inputs: done by SvdRecipe.Resolve (Inference README §4.0, §4.1).

        // 2. Define call parameters (Inference README §4.2). One image per request: batch_size = 1, so
        //    batch·num_videos_per_prompt = videos. Guidance is on iff max_guidance_scale > 1, fixed before any encoding.
        var layout = new RunLayout(Videos: recipe.NumVideosPerPrompt, Guidance: recipe.Guidance,
            Frames: recipe.NumFrames, Height: recipe.Height, Width: recipe.Width,
            LatentChannels: Pack.Vae.LatentChannels, ScaleFactor: Pack.Vae.ScaleFactor, EmbedDim: Pack.ImageEncoder.ProjectionDim,
            IsHalf: _unet.IsHalf);
        var tracker = new ProgressTracker(options.Progress, recipe.NumInferenceSteps, recipe.DecodeChunks);
        Log.RunStarted(_logger, Pack.Name, layout.Frames, layout.Width, layout.Height, recipe.NumInferenceSteps, recipe.Seed, Provider.ToString());

        // The VAE branch's video_processor.preprocess belongs to diffusers' step 4; it runs first here so that progress
        // and timings report preprocessing as its own stage. It draws nothing, so the random order is unchanged.
        tracker.Stage(SvdStage.Preprocessing);
        var stageStart = Stopwatch.GetTimestamp();
        // Crop and pad only reframe the image the user gave; both branches below then run exactly as diffusers would on it.
        var image = ImageFit.Apply(inputImage, layout.Width, layout.Height, recipe.Fit);
        // vae branch: video_processor.preprocess → [1, 3, H, W] float32 in [-1, 1] (Inference README §4.4)
        var preprocessed = new float[3 * layout.Height * layout.Width];
        VaeImagePreprocessor.Preprocess(image, layout.Width, layout.Height, preprocessed);
        var preprocessTime = Stopwatch.GetElapsedTime(stageStart);
        Observe([new("vae_branch_preprocessed", preprocessed, [1, 3, layout.Height, layout.Width])]);

        using var unetRun = _unet.StartRun(layout.UNetBatch, layout.Frames, layout.LatentChannels, layout.LatentHeight, layout.LatentWidth, layout.EmbedDim);

        // 3. Encode input image (CLIP, on the original image) → image_embeddings [Bu, 1, P]
        tracker.Stage(SvdStage.EncodingImage);
        stageStart = Stopwatch.GetTimestamp();
        var imageTensors = EncodeImage(image, layout, unetRun, ct);
        var imageEncoderTime = Stopwatch.GetElapsedTime(stageStart);
        Observe(imageTensors);

        // NOTE: Stable Diffusion Video was conditioned on fps - 1, which is why it is reduced here.
        // See: https://github.com/Stability-AI/generative-models/blob/ed0997173f98eaf8f4edf7ba5fe8f15c6b877fd3/scripts/sampling/simple_video_sample.py#L188
        var fps = recipe.Fps - 1;

        // 4. Encode input image using VAE → image_latents in channels C..2C−1 of the UNet's sample. The generator is
        //    seeded here; its first draw is the augmentation noise, before the latents (Inference README §6.8).
        tracker.Stage(SvdStage.EncodingVae);
        stageStart = Stopwatch.GetTimestamp();
        var generator = TorchGenerator.FromSeed(recipe.Seed);
        var (imageBlock, vaeTensors) = EncodeVaeImage(preprocessed, generator, recipe.NoiseAugStrength, layout, unetRun, ct);
        var vaeEncoderTime = Stopwatch.GetElapsedTime(stageStart);
        Observe(vaeTensors);

        // 5. Get Added Time IDs → [Bu, 3]
        Observe(GetAddTimeIds(fps, recipe.MotionBucketId, recipe.NoiseAugStrength, layout, unetRun));

        // 6. Prepare timesteps (Inference README §4.6)
        var scheduler = new EulerDiscreteScheduler(_schedulerConfig);
        scheduler.SetTimesteps(recipe.NumInferenceSteps);

        // 7. Prepare latent variables → latents [V, F, C, h, w]
        var (latents, latentTensors) = PrepareLatents(generator, scheduler.InitNoiseSigma, recipe.HalfRandn, layout);
        Observe(latentTensors);

        // 8. Prepare guidance scale: linspace(min, max, F) as torch computes it in float32, per frame (Inference README §4.8).
        var guidanceScale = TorchLinspace.Float32(recipe.MinGuidanceScale, recipe.MaxGuidanceScale, layout.Frames);
        if (layout.IsHalf) OrtTensor.RoundToHalfInPlace(guidanceScale);
        Observe([new("guidance_scale", guidanceScale, [1, layout.Frames, 1, 1, 1])]);

        // 9. Denoising loop (Inference README §4.9)
        tracker.Stage(SvdStage.Denoising);
        var (unetSteps, glueTime) = Denoise(unetRun, latents, imageBlock, guidanceScale, scheduler, layout, options, tracker, Observe, ct);
        _models[3].Offload();
        Observe([new("final_latents", latents, layout.LatentsShape)]);

        // After the loop (unnumbered in diffusers): decode_latents, then video_processor.postprocess_video, here chunk by
        // chunk so frames reach the encoders early: frames [V, F, H, W, 3] (Inference README §4.10, §4.11).
        tracker.Stage(SvdStage.Decoding);
        var pixelFrameSize = 3 * layout.Height * layout.Width;
        var results = Enumerable.Range(0, layout.Videos)
            .Select(_ => (Float: new float[layout.Frames * pixelFrameSize], Bytes: new byte[layout.Frames * pixelFrameSize]))
            .ToArray();
        var decodeTimes = DecodeLatents(latents, recipe.DecodeChunkSize, layout, tracker, (chunk, start, chunkLatents, chunkFrames) =>
        {
            var length = chunkFrames.Length / pixelFrameSize;
            Observe([
                new($"decode_chunk{chunk}_in", chunkLatents, [length, layout.LatentChannels, layout.LatentHeight, layout.LatentWidth]),
                new($"decode_chunk{chunk}_out", chunkFrames, [length, 3, layout.Height, layout.Width]),
            ]);
            for (var j = 0; j < length; j++)
            {
                var (video, frame) = Math.DivRem(start + j, layout.Frames);
                VideoPostprocessor.ChwToHwc(
                    chunkFrames.Span.Slice(j * pixelFrameSize, pixelFrameSize), layout.Height, layout.Width,
                    results[video].Float.AsSpan(frame * pixelFrameSize, pixelFrameSize),
                    results[video].Bytes.AsSpan(frame * pixelFrameSize, pixelFrameSize));
                options.FrameReady?.Invoke(video, frame, results[video].Bytes.AsMemory(frame * pixelFrameSize, pixelFrameSize));
            }
        }, ct);
        Observe([new("frames", results[0].Float, [layout.Frames, layout.Height, layout.Width, 3])]);

        var total = tracker.Elapsed;
        var timings = new SvdTimings(preprocessTime, imageEncoderTime, vaeEncoderTime, unetSteps, decodeTimes, total)
        {
            InOnnxRuntime = _models.Aggregate(glueTime, (sum, m) => sum + m.TimeInRuns),
        };
        tracker.Stage(SvdStage.Done);
        Log.RunFinished(_logger, Pack.Name, total.TotalSeconds, timings.InOnnxRuntime.TotalSeconds);
        var output = results.Select(r => new SvdVideo(layout.Frames, layout.Height, layout.Width, r.Float, r.Bytes)).ToArray();
        return new SvdResult(recipe, output, Provider, timings);
    }

    /// <summary>
    /// diffusers' <c>_encode_image</c> (Inference README §4.3): CLIP image_embeds [1, P] of the original image, written
    /// into encoder_hidden_states [Bu, 1, P] as rows [zeros(V); embeds(V)] with guidance (the unconditional half
    /// first), each video a repeat of the one image's embedding, rounded to the pack dtype.
    /// </summary>
    private NamedTensor[] EncodeImage(RgbImage image, RunLayout layout, UNet.Run unetRun, CancellationToken ct)
    {
        var tensors = new List<NamedTensor>();
        var imageEmbeds = _imageEncoder.EncodeImage(image, (name, values, shape) => tensors.Add(new(name, values, shape)), ct);
        _models[0].Offload();   // model CPU offload (a no-op without it): each network leaves the device after its stage
        tensors.Add(new("image_embeds", imageEmbeds, [1, layout.EmbedDim]));

        var encoderHiddenStates = unetRun.EncoderHiddenStates.Values;
        encoderHiddenStates.AsSpan().Clear();
        for (var row = layout.Guidance ? layout.Videos : 0; row < layout.UNetBatch; row++)
            imageEmbeds.CopyTo(encoderHiddenStates.AsSpan(row * layout.EmbedDim, layout.EmbedDim));
        if (layout.IsHalf) OrtTensor.RoundToHalfInPlace(encoderHiddenStates);
        tensors.Add(new("unet_encoder_hidden_states", encoderHiddenStates, [layout.UNetBatch, 1, layout.EmbedDim]));
        return [.. tensors];
    }

    /// <summary>
    /// diffusers' <c>_encode_vae_image</c> and the noise augmentation before it (Inference README §4.4). Random draw #1:
    /// the augmentation noise [1, 3, H, W] float32; image + noise_aug_strength·noise (noise_aug_strength rounded to
    /// float32 first) goes through the VAE encoder: image_latents [1, C, h, w], the mode, unscaled. Repeated over videos
    /// (as a block), zeros for the unconditional half, cast to the pack dtype, repeated over frames, it is written once
    /// into channels C..2C−1 of the UNet's sample [Bu, F, 2C, h, w] and never scaled. Returns those channels as the
    /// image block [Bu, F, C, h, w]. <paramref name="preprocessed"/> is overwritten.
    /// </summary>
    private (float[] ImageBlock, NamedTensor[] Tensors) EncodeVaeImage(float[] preprocessed, TorchGenerator generator,
        float noiseAugStrength, RunLayout layout, UNet.Run unetRun, CancellationToken ct)
    {
        int[] imageShape = [1, 3, layout.Height, layout.Width];
        var noise = new float[preprocessed.Length];
        generator.Randn(noise);
        var scaledNoise = new float[noise.Length];
        TensorPrimitives.Multiply(noise, noiseAugStrength, scaledNoise);
        var vaeEncoderInput = preprocessed;
        TensorPrimitives.Add(preprocessed, scaledNoise, vaeEncoderInput);
        var imageLatents = _vaeEncoder.Encode(vaeEncoderInput, layout.Height, layout.Width, ct);
        _models[1].Offload();

        var packImageLatents = imageLatents;
        if (layout.IsHalf)
        {
            packImageLatents = imageLatents.ToArray();
            OrtTensor.RoundToHalfInPlace(packImageLatents);
        }
        var frameSize = layout.LatentFrameSize;
        var sample = unetRun.Sample.Values.AsSpan();
        sample.Clear();
        for (var row = layout.Guidance ? layout.Videos : 0; row < layout.UNetBatch; row++)
        {
            for (var f = 0; f < layout.Frames; f++)
                packImageLatents.CopyTo(sample.Slice(((row * layout.Frames) + f) * 2 * frameSize + frameSize, frameSize));
        }
        var imageBlock = DenoisingShape.Channels(sample, layout.UNetBatch * layout.Frames, frameSize, imageLatents: true);
        return (imageBlock,
        [
            new("noise_aug_noise", noise, imageShape),
            new("vae_encoder_input", vaeEncoderInput, imageShape),
            new("image_latents", imageLatents, [1, layout.LatentChannels, layout.LatentHeight, layout.LatentWidth]),
            new("unet_image_latents_channels", imageBlock, [layout.UNetBatch, layout.Frames, layout.LatentChannels, layout.LatentHeight, layout.LatentWidth]),
        ]);
    }

    /// <summary>diffusers' <c>_get_add_time_ids</c> (Inference README §4.5): [fps − 1, motion_bucket_id,
    /// noise_aug_strength] in the pack dtype, repeated to added_time_ids [Bu, 3].</summary>
    private static NamedTensor[] GetAddTimeIds(int fps, int motionBucketId, float noiseAugStrength, RunLayout layout, UNet.Run unetRun)
    {
        var addedTimeIds = unetRun.AddedTimeIds.Values;
        for (var row = 0; row < layout.UNetBatch; row++)
        {
            addedTimeIds[row * 3] = fps;
            addedTimeIds[row * 3 + 1] = motionBucketId;
            addedTimeIds[row * 3 + 2] = noiseAugStrength;
        }
        if (layout.IsHalf) OrtTensor.RoundToHalfInPlace(addedTimeIds);
        return [new("added_time_ids", addedTimeIds, [layout.UNetBatch, 3])];
    }

    /// <summary>
    /// diffusers' <c>prepare_latents</c> (Inference README §4.7). Random draw #2: latents [V, F, C, h, w] in the pack
    /// dtype (a float16 draw is not the float32 draw rounded, Inference README §6.6), times init_noise_sigma, rounded
    /// to the pack dtype.
    /// </summary>
    private static (float[] Latents, NamedTensor[] Tensors) PrepareLatents(TorchGenerator generator, float initNoiseSigma,
        HalfRandnMode halfRandn, RunLayout layout)
    {
        var randn = new float[layout.Videos * layout.Frames * layout.LatentFrameSize];
        if (layout.IsHalf)
        {
            var halfLatents = new Half[randn.Length];
            generator.Randn(halfLatents, halfRandn);
            TensorPrimitives.ConvertToSingle(halfLatents, randn);
        }
        else
        {
            generator.Randn(randn);
        }
        var latents = new float[randn.Length];
        TensorPrimitives.Multiply(randn, initNoiseSigma, latents);
        if (layout.IsHalf) OrtTensor.RoundToHalfInPlace(latents);
        return (latents, [new("latents_randn", randn, layout.LatentsShape), new("initial_latents", latents, layout.LatentsShape)]);
    }

    /// <summary>
    /// Step 9: the loop over the timesteps, by the implementation <see cref="DenoisingLoopFor"/> chooses. Each step
    /// reports its time and preview, and (host loop with an observer) its tensors at the step boundary. Returns the
    /// steps' times and the time the loop spent in ONNX Runtime outside the UNet. <paramref name="latents"/> ends as
    /// the final latents [V, F, C, h, w].
    /// </summary>
    private (List<TimeSpan> StepTimes, TimeSpan GlueTime) Denoise(UNet.Run unetRun, float[] latents, float[] imageBlock,
        float[] guidanceScale, EulerDiscreteScheduler scheduler, RunLayout layout, SvdRunOptions options, ProgressTracker tracker,
        Action<IEnumerable<NamedTensor>> observe, CancellationToken ct)
    {
        ResetGraphsIfNeeded();
        var loop = DenoisingLoopFor(layout, scheduler, options);
        var stepTimes = new List<TimeSpan>(scheduler.NumInferenceSteps);
        loop.Run(unetRun, latents, imageBlock, guidanceScale, scheduler, (_, stepTime, denoisedFirstFrame, stepTensors) =>
        {
            observe(stepTensors);
            stepTimes.Add(stepTime);
            tracker.StepDone(stepTime, denoisedFirstFrame is null ? null : LatentPreview.ToRgb(denoisedFirstFrame, layout.LatentHeight, layout.LatentWidth));
        }, ct);
        return (stepTimes, loop.GlueTimeInRuns);
    }

    /// <summary>
    /// The one place step 9's implementation is chosen: the device-resident loop unless it is off, or an observer
    /// wants every step's tensors, which only the host loop has (Inference README §4.9).
    /// </summary>
    private IDenoisingLoop DenoisingLoopFor(RunLayout layout, EulerDiscreteScheduler scheduler, SvdRunOptions options)
    {
        var shape = new DenoisingShape(layout.Videos, layout.UNetBatch, layout.Frames, layout.LatentChannels, layout.LatentHeight,
            layout.LatentWidth, _unet.SampleType, _unet.TimestepType, _unet.TimestepPerRow ? layout.UNetBatch : 1, _unet.NoisePredType,
            scheduler.IsVPrediction, options.Previews, layout.EmbedDim, _unet.EncoderHiddenStatesType, _unet.AddedTimeIdsType);
        return _deviceResidentLoop && options.Observer is null
            ? new DeviceDenoisingLoop(_unet, GlueFor(shape), shape, _factory, _graphs, UNetRunner, _logger)
            : new HostDenoisingLoop(shape, reportTensors: options.Observer is not null);
    }

    /// <summary>
    /// diffusers' <c>decode_latents</c> (Inference README §4.10): [V, F, C, h, w] → [V·F, C, h, w], times
    /// 1/scaling_factor (a multiply by the float32 reciprocal, not a divide) and rounded to the pack dtype, decoded in
    /// chunks of decode_chunk_size along that flat axis, each chunk one clip; a chunk may span two videos, as in
    /// diffusers. Each chunk's latents and frames [length, 3, H, W] go to <paramref name="chunkDecoded"/> (valid until
    /// it returns). <paramref name="latents"/> is overwritten. Returns each chunk's time.
    /// </summary>
    private List<TimeSpan> DecodeLatents(float[] latents, int decodeChunkSize, RunLayout layout, ProgressTracker tracker,
        Action<int, int, ReadOnlyMemory<float>, ReadOnlyMemory<float>> chunkDecoded, CancellationToken ct)
    {
        TensorPrimitives.Multiply(latents, (float)(1.0 / Pack.Vae.ScalingFactor), latents);
        if (layout.IsHalf) OrtTensor.RoundToHalfInPlace(latents);
        var totalFrames = layout.Videos * layout.Frames;
        var pixelFrameSize = 3 * layout.Height * layout.Width;
        var decoded = new float[Math.Min(decodeChunkSize, totalFrames) * pixelFrameSize];
        var decodeTimes = new List<TimeSpan>();
        for (int start = 0, chunk = 0; start < totalFrames; start += decodeChunkSize, chunk++)
        {
            var chunkStart = Stopwatch.GetTimestamp();
            var length = Math.Min(decodeChunkSize, totalFrames - start);
            var chunkLatents = latents.AsMemory(start * layout.LatentFrameSize, length * layout.LatentFrameSize);
            var chunkFrames = decoded.AsMemory(0, length * pixelFrameSize);
            _vaeDecoder.Decode(chunkLatents.Span, length, layout.LatentHeight, layout.LatentWidth, chunkFrames.Span, ct);
            chunkDecoded(chunk, start, chunkLatents, chunkFrames);
            var chunkTime = Stopwatch.GetElapsedTime(chunkStart);
            decodeTimes.Add(chunkTime);
            tracker.ChunkDone(chunkTime);
        }
        _models[2].Offload();
        return decodeTimes;
    }

    /// <summary>How many run shapes have device-loop graphs loaded (tests check which loop ran).</summary>
    internal int GlueShapeCount => _glue.Count;

    private DenoisingGlue GlueFor(DenoisingShape shape)
    {
        if (_glue.TryGetValue(shape, out var glue))
        {
            glue.Prepare.ResetTimer();
            glue.Step.ResetTimer();
            return glue;
        }
        if (_glue.Count >= MaxGlueShapes)
        {
            foreach (var old in _glue.Values) old.Dispose();
            _glue.Clear();
        }
        glue = new DenoisingGlue(_factory, shape);
        _glue[shape] = glue;
        return glue;
    }

    /// <summary>
    /// For a pipeline loaded with <see cref="ExecutionSettings.ProfilePrefix"/>: ends profiling and returns each model's
    /// profile file (image encoder, VAE encoder, VAE decoder, UNet), for <see cref="OnnxProfile.Read"/>. With model CPU
    /// offload the sessions are gone after each run and so are their profiles: the map is then empty.
    /// </summary>
    public IReadOnlyDictionary<PackComponent, string> EndProfiling()
    {
        var profiles = new Dictionary<PackComponent, string>();
        foreach (var (component, index) in new[] { (PackComponent.ImageEncoder, 0), (PackComponent.VaeEncoder, 1), (PackComponent.VaeDecoder, 2), (PackComponent.UNet, 3) })
        {
            if (_models[index].EndProfiling() is { } file) profiles[component] = file;
        }
        return profiles;
    }

    /// <summary>How many of the four networks have a session on the device now (4 without offload, 0 between offloaded runs).</summary>
    internal int LoadedNetworks => _models.Count(m => m.IsLoaded);

    /// <summary>Time spent bringing offloaded networks back in the last run (zero without model CPU offload).</summary>
    public TimeSpan LastRunReloadTime => _models.Aggregate(TimeSpan.Zero, (sum, m) => sum + m.TimeInReloads);

    public void Dispose()
    {
        // The buffers and their allocator before the UNet session they came from.
        _graphs?.Dispose();
        _graphAllocator?.Dispose();
        _graphMemory?.Dispose();
        foreach (var model in _models) model.Dispose();
        foreach (var glue in _glue.Values) glue.Dispose();
        _oneRunAtATime.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "ONNX Runtime execution provider: {Provider}. {Reason}")]
        public static partial void ProviderChosen(ILogger logger, string provider, string reason);

        [LoggerMessage(2, LogLevel.Information, "Model pack {Pack} loaded on {Provider} in {Seconds:F1} s.")]
        public static partial void PackLoaded(ILogger logger, string pack, string provider, double seconds);

        [LoggerMessage(3, LogLevel.Information, "Generating with {Pack}: {Frames} frames at {Width}x{Height}, {Steps} steps, seed {Seed}, on {Provider}.")]
        public static partial void RunStarted(ILogger logger, string pack, int frames, int width, int height, int steps, long seed, string provider);

        [LoggerMessage(4, LogLevel.Information, "Job with {Pack} finished in {Seconds:F2} s ({OrtSeconds:F2} s in ONNX Runtime).")]
        public static partial void RunFinished(ILogger logger, string pack, double seconds, double ortSeconds);

        [LoggerMessage(5, LogLevel.Warning, "Model pack {Pack} on the CPU: {Warning}")]
        public static partial void Float16OnCpu(ILogger logger, string pack, string warning);
    }
}
