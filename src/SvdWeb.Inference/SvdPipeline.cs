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

    private SvdPipeline(ModelPack pack, SessionFactory factory, bool deviceResidentLoop, OnnxModel[] models, EulerSchedulerConfig schedulerConfig, ILogger logger)
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
    }

    public ModelPack Pack { get; }

    /// <summary>Where the four models run, and why (shown in logs and the UI).</summary>
    public ExecutionProviderInfo Provider { get; }

    /// <summary>Creates the four sessions on the device <paramref name="settings"/> choose (CUDA when it loads, by default).</summary>
    public static SvdPipeline Load(ModelPack pack, ExecutionSettings? settings = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(pack);
        logger ??= NullLogger.Instance;
        settings ??= ExecutionSettings.Default;
        var factory = new SessionFactory(settings);
        Log.ProviderChosen(logger, factory.Provider.ToString(), factory.Provider.Reason);
        var schedulerConfig = EulerSchedulerConfig.Load(pack.SchedulerConfigPath);
        var components = new[] { (PackComponent.ImageEncoder, "image encoder"), (PackComponent.VaeEncoder, "VAE encoder"), (PackComponent.VaeDecoder, "VAE decoder"), (PackComponent.UNet, "UNet") };
        var models = new List<OnnxModel>();
        var start = Stopwatch.GetTimestamp();
        try
        {
            foreach (var (component, stage) in components)
            {
                var path = pack.ModelPath(component);
                try
                {
                    models.Add(new OnnxModel(factory, path, stage, RewriteFor(pack, component, factory.Provider, settings),
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
        return new SvdPipeline(pack, factory, settings.DeviceResidentLoop, [.. models], schedulerConfig, logger);
    }

    /// <summary>
    /// On the CPU provider, fused attention is decomposed back into the traced operators (why: AttentionDecomposition)
    /// unless <see cref="ExecutionSettings.CpuFusedAttention"/> asks for ONNX Runtime's float32 CPU kernel; CUDA runs the
    /// fused node as exported.
    /// </summary>
    private static GraphRewrite RewriteFor(ModelPack pack, PackComponent component, ExecutionProviderInfo provider, ExecutionSettings settings) => new(
        DecomposeAttention: !provider.IsCuda && pack.Attention[component].FusedNodes > 0
            && (!settings.CpuFusedAttention || pack.WeightTypes[component] == "float16"),
        Half: pack.WeightTypes[component] == "float16",
        ForwardChunking: settings.MemoryOptions.ForwardChunking && component == PackComponent.UNet);

    public static Task<SvdPipeline> LoadAsync(ModelPack pack, ExecutionSettings? settings = null, ILogger? logger = null, CancellationToken ct = default) =>
        Task.Run(() => Load(pack, settings, logger), ct);

    /// <summary>Generates the video(s) for one image. Runs on a worker thread; waits while another run is in progress.</summary>
    /// <exception cref="SvdInputException">A parameter is out of range.</exception>
    /// <exception cref="GpuOutOfMemoryException">The device ran out of memory; a smaller request can follow.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; nothing is left behind.</exception>
    public async Task<SvdResult> RunAsync(RgbImage image, SvdRecipe recipe, SvdRunOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(recipe);
        // Validate before queueing behind another run, so a bad request fails at once.
        SvdParameterLimits.Validate(recipe, Pack);
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

    private SvdResult Run(RgbImage inputImage, SvdRecipe requested, SvdRunOptions options, CancellationToken ct)
    {
        foreach (var model in _models) model.ResetTimer();
        var observer = options.Observer;
        void Observe(string name, ReadOnlySpan<float> values, params int[] shape) => observer?.Invoke(name, values, shape);

        // 0. Default height and width to unet; frames and decode chunk default to the pack's num_frames.
        var recipe = requested.Resolve(Pack);
        int height = recipe.Height!.Value, width = recipe.Width!.Value, numFrames = recipe.NumFrames!.Value;
        var decodeChunkSize = recipe.DecodeChunkSize!.Value;

        // 1. Check inputs. Raise error if not correct.
        SvdParameterLimits.Validate(recipe, Pack);

        // 2. Define call parameters. One image per request: batch_size = 1, so batch·num_videos_per_prompt = videos.
        var videos = recipe.NumVideosPerPrompt;
        // Guidance is on iff max_guidance_scale > 1 (fixed here, before any encoding; Inference README §4.2).
        var doClassifierFreeGuidance = recipe.MaxGuidanceScale > 1f;
        var unetBatch = doClassifierFreeGuidance ? 2 * videos : videos;
        var isHalf = _unet.IsHalf;
        int latentChannels = Pack.Vae.LatentChannels, scale = Pack.Vae.ScaleFactor;
        int latentHeight = height / scale, latentWidth = width / scale;
        var embedDim = Pack.ImageEncoder.ProjectionDim;
        var totalFrames = videos * numFrames;
        var decodeChunks = (totalFrames + decodeChunkSize - 1) / decodeChunkSize;
        var tracker = new ProgressTracker(options.Progress, recipe.NumInferenceSteps, decodeChunks);
        Log.RunStarted(_logger, Pack.Name, numFrames, width, height, recipe.NumInferenceSteps, recipe.Seed, Provider.ToString());

        tracker.Stage(SvdStage.Preprocessing);
        var stageStart = Stopwatch.GetTimestamp();
        // Crop and pad only reframe the image the user gave; both branches below then run exactly as diffusers would on it.
        var image = ImageFit.Apply(inputImage, width, height, recipe.Fit);
        // vae branch: video_processor.preprocess → [1, 3, H, W] float32 in [-1, 1] (Inference README §4.4)
        var preprocessed = new float[3 * height * width];
        VaeImagePreprocessor.Preprocess(image, width, height, preprocessed);
        Observe("vae_branch_preprocessed", preprocessed, 1, 3, height, width);
        var preprocessTime = Stopwatch.GetElapsedTime(stageStart);

        // 3. Encode input image (CLIP, on the original image) → image_embeddings [unetBatch, 1, P]
        tracker.Stage(SvdStage.EncodingImage);
        stageStart = Stopwatch.GetTimestamp();
        var imageEmbeds = _imageEncoder.EncodeImage(image, (name, values, shape) => Observe(name, values, shape), ct);
        _models[0].Offload();   // model CPU offload (a no-op without it): each network leaves the device after its stage
        var imageEncoderTime = Stopwatch.GetElapsedTime(stageStart);
        Observe("image_embeds", imageEmbeds, 1, embedDim);

        using var unetRun = _unet.StartRun(unetBatch, numFrames, latentChannels, latentHeight, latentWidth, embedDim);
        // encoder_hidden_states: [unetBatch, 1, P]: rows [zeros(videos); embeds(videos)] with guidance (the
        // unconditional half first), each video a repeat of the one image's embedding.
        var encoderHiddenStates = unetRun.EncoderHiddenStates.Values.AsSpan();
        encoderHiddenStates.Clear();
        for (var row = doClassifierFreeGuidance ? videos : 0; row < unetBatch; row++)
            imageEmbeds.CopyTo(encoderHiddenStates.Slice(row * embedDim, embedDim));
        if (isHalf) OrtTensor.RoundToHalfInPlace(encoderHiddenStates);
        Observe("unet_encoder_hidden_states", encoderHiddenStates, unetBatch, 1, embedDim);

        // NOTE: Stable Diffusion Video was conditioned on fps - 1, which is why it is reduced here.
        // See: https://github.com/Stability-AI/generative-models/blob/ed0997173f98eaf8f4edf7ba5fe8f15c6b877fd3/scripts/sampling/simple_video_sample.py#L188
        var fps = recipe.Fps - 1;

        // 4. Encode input image using VAE. Random draw #1: the augmentation noise [1, 3, H, W] float32, drawn BEFORE
        //    the latents, as diffusers does; drawing in another order changes every value (Inference README §6.8).
        tracker.Stage(SvdStage.EncodingVae);
        stageStart = Stopwatch.GetTimestamp();
        var generator = TorchGenerator.FromSeed(recipe.Seed);
        var noise = new float[preprocessed.Length];
        generator.Randn(noise);
        Observe("noise_aug_noise", noise, 1, 3, height, width);
        // image = image + noise_aug_strength * noise (float32, noise_aug_strength rounded to float32 first)
        TensorPrimitives.Multiply(noise, recipe.NoiseAugStrength, noise);
        var vaeEncoderInput = preprocessed;
        TensorPrimitives.Add(preprocessed, noise, vaeEncoderInput);
        Observe("vae_encoder_input", vaeEncoderInput, 1, 3, height, width);
        // image_latents: [1, 4, h, w], the latent distribution's mode, unscaled (Inference README §4.4)
        var imageLatents = _vaeEncoder.Encode(vaeEncoderInput, height, width, ct);
        _models[1].Offload();
        var vaeEncoderTime = Stopwatch.GetElapsedTime(stageStart);
        Observe("image_latents", imageLatents, 1, latentChannels, latentHeight, latentWidth);
        // Repeat over videos (as a block), zeros for the unconditional half, cast to the pack dtype, repeat over
        // frames: written once into channels 4..7 of the UNet sample [unetBatch, F, 8, h, w], never scaled.
        if (isHalf) OrtTensor.RoundToHalfInPlace(imageLatents);
        var latentFrameSize = latentChannels * latentHeight * latentWidth;
        var sample = unetRun.Sample.Values.AsSpan();
        sample.Clear();
        for (var row = doClassifierFreeGuidance ? videos : 0; row < unetBatch; row++)
        {
            for (var f = 0; f < numFrames; f++)
                imageLatents.CopyTo(sample.Slice(((row * numFrames) + f) * 2 * latentFrameSize + latentFrameSize, latentFrameSize));
        }
        if (observer is not null)
            Observe("unet_image_latents_channels", ChannelsOf(sample, unetBatch * numFrames, latentFrameSize, second: true), unetBatch, numFrames, latentChannels, latentHeight, latentWidth);

        // 5. Get Added Time IDs: [fps - 1, motion_bucket_id, noise_aug_strength] in the pack dtype → [unetBatch, 3]
        var addedTimeIds = unetRun.AddedTimeIds.Values.AsSpan();
        for (var row = 0; row < unetBatch; row++)
        {
            addedTimeIds[row * 3] = fps;
            addedTimeIds[row * 3 + 1] = recipe.MotionBucketId;
            addedTimeIds[row * 3 + 2] = recipe.NoiseAugStrength;
        }
        if (isHalf) OrtTensor.RoundToHalfInPlace(addedTimeIds);
        Observe("added_time_ids", addedTimeIds, unetBatch, 3);

        // 6. Prepare timesteps
        var scheduler = new EulerDiscreteScheduler(_schedulerConfig);
        scheduler.SetTimesteps(recipe.NumInferenceSteps);
        var timesteps = scheduler.Timesteps.ToArray();

        // 7. Prepare latent variables. Random draw #2: latents [videos, F, 4, h, w] in the pack dtype (a float16 draw
        //    is not the float32 draw rounded, Inference README §6.6), times init_noise_sigma.
        var latentsLength = videos * numFrames * latentFrameSize;
        var latents = new float[latentsLength];
        if (isHalf)
        {
            var halfLatents = new Half[latentsLength];
            generator.Randn(halfLatents, recipe.HalfRandn);
            TensorPrimitives.ConvertToSingle(halfLatents, latents);
        }
        else
        {
            generator.Randn(latents);
        }
        Observe("latents_randn", latents, videos, numFrames, latentChannels, latentHeight, latentWidth);
        TensorPrimitives.Multiply(latents, scheduler.InitNoiseSigma, latents);
        if (isHalf) OrtTensor.RoundToHalfInPlace(latents);
        Observe("initial_latents", latents, videos, numFrames, latentChannels, latentHeight, latentWidth);

        // 8. Prepare guidance scale: linspace(min, max, F) as torch computes it in float32, per frame.
        var guidanceScale = TorchLinspace.Float32(recipe.MinGuidanceScale, recipe.MaxGuidanceScale, numFrames);
        if (isHalf) OrtTensor.RoundToHalfInPlace(guidanceScale);
        Observe("guidance_scale", guidanceScale, 1, numFrames, 1, 1, 1);

        // 9. Denoising loop
        tracker.Stage(SvdStage.Denoising);
        var unetSteps = new List<TimeSpan>(timesteps.Length);
        DenoisingGlue? glue = null;
        if (_deviceResidentLoop && observer is null)
        {
            // The same operations as the host loop below, as graphs on the UNet's device (DenoisingGraphs).
            var shape = new DenoisingShape(videos, unetBatch, numFrames, latentChannels, latentHeight, latentWidth,
                _unet.SampleType, _unet.TimestepType, _unet.TimestepPerRow ? unetBatch : 1, _unet.NoisePredType,
                scheduler.IsVPrediction, options.Previews);
            // image block [unetBatch, F, 4, h, w]: channels 4..7 of the sample written in step 4.
            var imageBlock = ChannelsOf(sample, unetBatch * numFrames, latentFrameSize, second: true);
            using var deviceMemory = _factory.DeviceMemory();
            glue = GlueFor(shape);
            new DeviceDenoisingLoop(_unet, glue, shape, deviceMemory).Run(unetRun, latents, imageBlock, guidanceScale, scheduler,
                (_, stepTime, denoisedFirstFrame) =>
                {
                    unetSteps.Add(stepTime);
                    tracker.StepDone(stepTime, denoisedFirstFrame is null ? null : LatentPreview.ToRgb(denoisedFirstFrame, latentHeight, latentWidth));
                },
                ct);
        }
        else
        {
            var scaled = new float[latentsLength];
            var guidanceScratch = new float[latentFrameSize];
            var stepper = isHalf ? new HalfStepper(latentsLength) : null;
            // The scheduler's own pred_original_sample of the first frame, as the device loop's step graph outputs it.
            var denoisedFirstFrame = options.Previews ? new float[latentFrameSize] : [];
            var noisePred = unetRun.NoisePred.Values;
            for (var i = 0; i < timesteps.Length; i++)
            {
                ct.ThrowIfCancellationRequested();
                stageStart = Stopwatch.GetTimestamp();
                var t = timesteps[i];
                // latent_model_input = cat([latents] * 2) if guidance; scale_model_input; then concatenate image_latents on
                // channels: noisy latents in 0..3, image latents (already in 4..7) after.
                scheduler.ScaleModelInput(latents, i, scaled);
                if (isHalf) OrtTensor.RoundToHalfInPlace(scaled);
                for (var row = 0; row < unetBatch; row++)
                {
                    for (var f = 0; f < numFrames; f++)
                    {
                        scaled.AsSpan(((row % videos * numFrames) + f) * latentFrameSize, latentFrameSize)
                            .CopyTo(sample.Slice(((row * numFrames) + f) * 2 * latentFrameSize, latentFrameSize));
                    }
                }
                if (observer is not null)
                {
                    Observe($"step{i}_timestep", [t], 1);
                    Observe($"step{i}_sigma", [scheduler.Sigmas[i]], 1);
                    Observe($"step{i}_scaled_latent_model_input", ChannelsOf(sample, unetBatch * numFrames, latentFrameSize, second: false), unetBatch, numFrames, latentChannels, latentHeight, latentWidth);
                    Observe($"step{i}_unet_sample", sample, unetBatch, numFrames, 2 * latentChannels, latentHeight, latentWidth);
                }

                // predict the noise residual: noise_pred [unetBatch, F, 4, h, w]
                unetRun.Predict(t, ct);
                Observe($"step{i}_unet_out", noisePred, unetBatch, numFrames, latentChannels, latentHeight, latentWidth);

                // perform guidance: [uncond; cond] halves, per-frame scale
                var guided = noisePred.AsSpan(0, latentsLength);
                if (doClassifierFreeGuidance)
                    Guidance.ApplyInPlace(guided, noisePred.AsSpan(latentsLength, latentsLength), guidanceScale, latentFrameSize, guidanceScratch, isHalf);
                Observe($"step{i}_guided_model_output", guided, videos, numFrames, latentChannels, latentHeight, latentWidth);

                // compute the previous noisy sample x_t -> x_t-1
                if (stepper is not null)
                    stepper.Step(scheduler, guided, i, latents, denoisedFirstFrame);
                else
                    scheduler.Step(guided, i, latents, denoisedFirstFrame);
                Observe($"step{i}_latents_after_step", latents, videos, numFrames, latentChannels, latentHeight, latentWidth);

                var stepTime = Stopwatch.GetElapsedTime(stageStart);
                unetSteps.Add(stepTime);
                tracker.StepDone(stepTime, options.Previews ? LatentPreview.ToRgb(denoisedFirstFrame, latentHeight, latentWidth) : null);
            }
        }
        _models[3].Offload();
        Observe("final_latents", latents, videos, numFrames, latentChannels, latentHeight, latentWidth);

        // decode_latents: [videos, F, 4, h, w] -> [videos·F, 4, h, w], times 1/scaling_factor (a multiply by the
        // float32 reciprocal, not a divide: Inference README §4.10), decoded in chunks of decode_chunk_size along that
        // flat axis, each chunk one clip; a chunk may span two videos, as in diffusers.
        tracker.Stage(SvdStage.Decoding);
        TensorPrimitives.Multiply(latents, (float)(1.0 / Pack.Vae.ScalingFactor), latents);
        if (isHalf) OrtTensor.RoundToHalfInPlace(latents);
        var pixelFrameSize = 3 * height * width;
        var decoded = new float[Math.Min(decodeChunkSize, totalFrames) * pixelFrameSize];
        var results = Enumerable.Range(0, videos)
            .Select(_ => (Float: new float[numFrames * pixelFrameSize], Bytes: new byte[numFrames * pixelFrameSize]))
            .ToArray();
        var decodeTimes = new List<TimeSpan>(decodeChunks);
        for (int start = 0, chunk = 0; start < totalFrames; start += decodeChunkSize, chunk++)
        {
            stageStart = Stopwatch.GetTimestamp();
            var length = Math.Min(decodeChunkSize, totalFrames - start);
            var chunkLatents = latents.AsSpan(start * latentFrameSize, length * latentFrameSize);
            Observe($"decode_chunk{chunk}_in", chunkLatents, length, latentChannels, latentHeight, latentWidth);
            // frames: [length, 3, H, W]
            var chunkFrames = decoded.AsSpan(0, length * pixelFrameSize);
            _vaeDecoder.Decode(chunkLatents, length, latentHeight, latentWidth, chunkFrames, ct);
            Observe($"decode_chunk{chunk}_out", chunkFrames, length, 3, height, width);
            for (var j = 0; j < length; j++)
            {
                var (video, frame) = Math.DivRem(start + j, numFrames);
                VideoPostprocessor.ChwToHwc(
                    chunkFrames.Slice(j * pixelFrameSize, pixelFrameSize), height, width,
                    results[video].Float.AsSpan(frame * pixelFrameSize, pixelFrameSize),
                    results[video].Bytes.AsSpan(frame * pixelFrameSize, pixelFrameSize));
                options.FrameReady?.Invoke(video, frame, results[video].Bytes.AsMemory(frame * pixelFrameSize, pixelFrameSize));
            }
            var chunkTime = Stopwatch.GetElapsedTime(stageStart);
            decodeTimes.Add(chunkTime);
            tracker.ChunkDone(chunkTime);
        }
        _models[2].Offload();
        Observe("frames", results[0].Float, numFrames, height, width, 3);

        var total = tracker.Elapsed;
        var timings = new SvdTimings(preprocessTime, imageEncoderTime, vaeEncoderTime, unetSteps, decodeTimes, total)
        {
            InOnnxRuntime = _models.Concat(glue is null ? [] : [glue.Prepare, glue.Step])
                .Aggregate(TimeSpan.Zero, (sum, m) => sum + m.TimeInRuns),
        };
        tracker.Stage(SvdStage.Done);
        Log.RunFinished(_logger, Pack.Name, total.TotalSeconds, timings.InOnnxRuntime.TotalSeconds);
        var output = results.Select(r => new SvdVideo(numFrames, height, width, r.Float, r.Bytes)).ToArray();
        return new SvdResult(recipe, output, Provider, timings);
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

    /// <summary>Channels 0..3 (or 4..7) of every [8, h, w] frame block: the scaled latents or the image latents.</summary>
    private static float[] ChannelsOf(ReadOnlySpan<float> sample, int frameBlocks, int latentFrameSize, bool second)
    {
        var result = new float[frameBlocks * latentFrameSize];
        for (var k = 0; k < frameBlocks; k++)
            sample.Slice((2 * k + (second ? 1 : 0)) * latentFrameSize, latentFrameSize).CopyTo(result.AsSpan(k * latentFrameSize));
        return result;
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
        foreach (var model in _models) model.Dispose();
        foreach (var glue in _glue.Values) glue.Dispose();
        _oneRunAtATime.Dispose();
    }

    /// <summary>Euler steps for float16 packs: the scheduler's half-precision path needs half buffers.</summary>
    private sealed class HalfStepper(int length)
    {
        private readonly Half[] _latents = new Half[length], _modelOutput = new Half[length];

        public void Step(EulerDiscreteScheduler scheduler, ReadOnlySpan<float> modelOutput, int stepIndex, Span<float> latents, Span<float> predOriginalSample)
        {
            TensorPrimitives.ConvertToHalf(modelOutput, _modelOutput);
            TensorPrimitives.ConvertToHalf(latents, _latents);
            scheduler.Step(_modelOutput, stepIndex, _latents, predOriginalSample);
            TensorPrimitives.ConvertToSingle(_latents, latents);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "ONNX Runtime execution provider: {Provider}. {Reason}")]
        public static partial void ProviderChosen(ILogger logger, string provider, string reason);

        [LoggerMessage(2, LogLevel.Information, "Model pack {Pack} loaded on {Provider} in {Seconds:F1} s.")]
        public static partial void PackLoaded(ILogger logger, string pack, string provider, double seconds);

        [LoggerMessage(3, LogLevel.Information, "Generating with {Pack}: {Frames} frames at {Width}x{Height}, {Steps} steps, seed {Seed}, on {Provider}.")]
        public static partial void RunStarted(ILogger logger, string pack, int frames, int width, int height, int steps, long seed, string provider);

        [LoggerMessage(4, LogLevel.Information, "Generation with {Pack} finished in {Seconds:F2} s ({OrtSeconds:F2} s in ONNX Runtime).")]
        public static partial void RunFinished(ILogger logger, string pack, double seconds, double ortSeconds);
    }
}
