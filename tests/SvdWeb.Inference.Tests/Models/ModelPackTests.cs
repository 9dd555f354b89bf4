using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SvdWeb.Inference.Models;
using SvdWeb.Inference.Tests.Onnx;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Models;

public sealed class ModelPackTests
{
    // The image encoder, re-exported with fused attention, carries torch's count of its modules in its metadata
    // (svdweb.parameter_count 114,666; its initializers hold 113,989 elements, as the shared fixture's). The other graphs
    // are counted by initializer elements, checked independently with a Python wire-format decoder: VAE encoder 394,064
    // + VAE decoder 689,666 + UNet 1,785,061. The fixtures README gives 0.11 M, 1.10 M (encoder + decoder; the export
    // keeps 1.08 M of it) and 1.79 M for the torch modules.
    private const long TinyPackParameters = 2_983_457;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Load_TinyPack_ReportsNameFramesAndDefaultSize()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        Assert.Equal("tiny-svd", pack.Name);
        Assert.Equal(Path.GetFullPath(Fixtures.TinyPack), pack.Folder);
        Assert.Equal(6, pack.DefaultFrames);
        Assert.Equal(64, pack.DefaultHeight);    // from the pack's svdweb.json
        Assert.Equal(128, pack.DefaultWidth);
    }

    [Fact]
    public void Load_TinyPack_ReadsEveryConfig()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        // The real SVD normalisation, rounded to float32 as transformers does.
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], pack.FeatureExtractor.ImageMean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], pack.FeatureExtractor.ImageStd);
        Assert.Equal(new ImageEncoderConfig(ProjectionDim: 32, ImageSize: 224, HiddenSize: 32), pack.ImageEncoder);
        Assert.Equal(4, pack.Vae.LatentChannels);
        Assert.Equal(0.18215, pack.Vae.ScalingFactor);
        Assert.True(pack.Vae.ForceUpcast);
        Assert.Equal([32, 32, 64, 64], pack.Vae.BlockOutChannels);
        Assert.Equal(8, pack.Vae.ScaleFactor);
        var unet = pack.UNet;
        Assert.Equal((6, 8, 4, 8, 32, 96, 32), (unet.NumFrames, unet.InChannels, unet.OutChannels, unet.SampleSize,
            unet.AdditionTimeEmbedDim, unet.ProjectionClassEmbeddingsInputDim, unet.CrossAttentionDim));
        Assert.Equal([32, 64], unet.BlockOutChannels);
    }

    [Fact]
    public void Load_TinyPack_PointsAtItsFiles()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        Assert.Equal(Path.Combine(pack.Folder, "scheduler", "scheduler_config.json"), pack.SchedulerConfigPath);
        Assert.True(File.Exists(pack.SchedulerConfigPath));
        Assert.Equal(Path.Combine(pack.Folder, "unet", "model.onnx"), pack.ModelPath(PackComponent.UNet));
        Assert.Equal(Path.Combine(pack.Folder, "vae_encoder", "model.onnx"), pack.ModelPath(PackComponent.VaeEncoder));
        Assert.Equal(Path.Combine(pack.Folder, "vae_decoder", "model.onnx"), pack.ModelPath(PackComponent.VaeDecoder));
        Assert.Equal(Path.Combine(pack.Folder, "image_encoder", "model.onnx"), pack.ModelPath(PackComponent.ImageEncoder));
    }

    [Fact]
    public void Load_TinyPack_IsFloat32()
    {
        Assert.Equal("float32", ModelPack.Load(Fixtures.TinyPack).Precision);
    }

    [Fact]
    public void Load_TinyPack_CountsInitializerElements()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        Assert.Equal(TinyPackParameters, pack.ParameterCount);
        // And within the README's 0.11 + 1.10 + 1.79 = 3.00 M, give or take what the export drops.
        Assert.InRange(pack.ParameterCount, 2_900_000, 3_050_000);
    }

    [Fact]
    public void Load_TinyPack_SizeOnDiskIsEveryFile()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        var expected = Directory.EnumerateFiles(Fixtures.TinyPack, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(expected, pack.SizeOnDiskBytes);
        Assert.True(pack.SizeOnDiskBytes > 13_000_000, $"{pack.SizeOnDiskBytes} bytes; the four graphs alone are over 13 MB.");
    }

    [Fact]
    public void Validate_TinyPack_HasNoProblems()
    {
        var validation = ModelPack.Validate(Fixtures.TinyPack);

        Assert.Empty(validation.Problems);
        Assert.NotNull(validation.Pack);
        Assert.True(validation.IsValid);
    }

    [Fact]
    public void Validate_PathWithTrailingSeparator_SameNameAndFolder()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack + Path.DirectorySeparatorChar);

        Assert.Equal("tiny-svd", pack.Name);
        Assert.Equal(Path.GetFullPath(Fixtures.TinyPack), pack.Folder);
    }

    [Fact]
    public async Task ComputeHashAsync_TwiceAndInACopy_SameLowercaseHex()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var copy = new TempPackCopy();

        var first = await pack.ComputeHashAsync(null, Ct);
        var second = await pack.ComputeHashAsync(null, Ct);
        var ofCopy = await ModelPack.Load(copy.Folder).ComputeHashAsync(null, Ct);

        Assert.Matches("^[0-9a-f]{64}$", first);
        Assert.Equal(first, second);
        Assert.Equal(first, ofCopy);   // the folder's location is not hashed, only relative paths and contents
    }

    [Fact]
    public async Task ComputeHashAsync_OneByteChangedInACopy_Differs()
    {
        using var copy = new TempPackCopy();
        var pack = ModelPack.Load(copy.Folder);
        var before = await pack.ComputeHashAsync(null, Ct);

        // Same length, one byte of the UNet's weights flipped near the end (inside a raw_data blob).
        var path = copy.PathOf("unet/model.onnx");
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^100] ^= 1;
        await File.WriteAllBytesAsync(path, bytes, Ct);
        var after = await pack.ComputeHashAsync(null, Ct);

        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task ComputeHashAsync_FileRenamedInACopy_Differs()
    {
        using var copy = new TempPackCopy();
        var pack = ModelPack.Load(copy.Folder);
        var before = await pack.ComputeHashAsync(null, Ct);

        // Same bytes, another name: the relative paths are part of the hash.
        File.Move(copy.PathOf("svdweb.json"), copy.PathOf("svdweb2.json"));
        var after = await pack.ComputeHashAsync(null, Ct);

        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task ComputeHashAsync_TinyPack_MatchesTheDocumentedFormat()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);

        // Path (UTF-8, '/'), NUL, length (int64 little-endian), contents, for each file in ordinal path order.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(pack.Folder, "*", SearchOption.AllDirectories)
            .Select(f => (Relative: Path.GetRelativePath(pack.Folder, f).Replace('\\', '/'), Full: f))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        foreach (var (relative, full) in files)
        {
            var contents = await File.ReadAllBytesAsync(full, Ct);
            var length = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, contents.LongLength);
            sha.AppendData(Encoding.UTF8.GetBytes(relative));
            sha.AppendData([0]);
            sha.AppendData(length);
            sha.AppendData(contents);
        }

        Assert.Equal(Convert.ToHexStringLower(sha.GetHashAndReset()), await pack.ComputeHashAsync(null, Ct));
    }

    [Fact]
    public async Task ComputeHashAsync_WithProgress_ReportsRisingFractionsEndingAtOne()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);
        var reports = new List<double>();

        await pack.ComputeHashAsync(new SynchronousProgress(reports.Add), Ct);

        // 1 MiB chunks of 13 MB of files: several reports, never decreasing, all in [0, 1], the last exactly 1.
        Assert.True(reports.Count > 5, $"only {reports.Count} reports");
        Assert.All(reports, r => Assert.InRange(r, 0, 1));
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(1.0, reports[^1]);
    }

    [Fact]
    public async Task ComputeHashAsync_Cancelled_ThrowsOperationCanceled()
    {
        var pack = ModelPack.Load(Fixtures.TinyPack);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pack.ComputeHashAsync(null, cts.Token));
    }

    [Fact]
    public async Task Load_UNetIsASymbolicLink_CountsAndHashesTheTarget()
    {
        // Packs assembled from the Hugging Face cache are links into blobs/.
        using var copy = new TempPackCopy();
        copy.Delete("unet/model.onnx");
        File.CreateSymbolicLink(copy.PathOf("unet/model.onnx"), Path.Combine(Fixtures.TinyPack, "unet", "model.onnx"));
        var original = ModelPack.Load(Fixtures.TinyPack);

        var linked = ModelPack.Load(copy.Folder);

        Assert.Equal(original.SizeOnDiskBytes, linked.SizeOnDiskBytes);
        Assert.Equal(original.ParameterCount, linked.ParameterCount);
        Assert.Equal(await original.ComputeHashAsync(null, Ct), await linked.ComputeHashAsync(null, Ct));
    }

    [Fact]
    public void Validate_DanglingSymbolicLinks_NameEachLinkOnce()
    {
        using var copy = new TempPackCopy();
        var nowhere = Path.Combine(copy.Folder, "nowhere.onnx");
        copy.Delete("unet/model.onnx");
        File.CreateSymbolicLink(copy.PathOf("unet/model.onnx"), nowhere);
        File.CreateSymbolicLink(copy.PathOf("notes.txt"), nowhere);

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith($"unet/model.onnx is a symbolic link to '{nowhere}', which does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith($"notes.txt is a symbolic link to '{nowhere}', which does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MissingFolder_NamesThePath()
    {
        var folder = Path.Combine(Path.GetTempPath(), "svdweb-pack-tests", Guid.NewGuid().ToString("N"));

        var problems = AssertInvalid(folder);

        var problem = Assert.Single(problems);
        Assert.Contains(folder, problem, StringComparison.Ordinal);
        Assert.Contains("does not exist", problem, StringComparison.Ordinal);
        Assert.Contains("model_index.json", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingUNetOnnx_NamesTheFile()
    {
        using var copy = new TempPackCopy();
        copy.Delete("unet/model.onnx");

        var problems = AssertInvalid(copy.Folder);

        var problem = Assert.Single(problems);
        Assert.StartsWith("unet/model.onnx is missing", problem, StringComparison.Ordinal);
        Assert.Contains(copy.PathOf("unet/model.onnx"), problem, StringComparison.Ordinal);
        Assert.Contains("re-export the UNet", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingConfigs_OneProblemPerFile()
    {
        using var copy = new TempPackCopy();
        copy.Delete("model_index.json");
        copy.Delete("feature_extractor/preprocessor_config.json");
        copy.Delete("scheduler/scheduler_config.json");

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("model_index.json is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("feature_extractor/preprocessor_config.json is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("scheduler/scheduler_config.json is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UNetInputRenamed_NamesMissingInputAndWhatTheGraphHas()
    {
        using var copy = new TempPackCopy();
        Assert.True(copy.ReplaceBytes("unet/model.onnx", "added_time_ids", "added_time_idz") > 0);

        var problems = AssertInvalid(copy.Folder);

        var missing = Assert.Single(problems, p => p.Contains("has no input 'added_time_ids'", StringComparison.Ordinal));
        Assert.StartsWith("unet/model.onnx", missing, StringComparison.Ordinal);
        Assert.Contains("its inputs: sample, timestep, encoder_hidden_states, added_time_idz", missing, StringComparison.Ordinal);
        Assert.Contains("added_time_ids [B,3]", missing, StringComparison.Ordinal);   // what the pipeline feeds
        // The renamed input is also one the pipeline would not feed, which ONNX Runtime would refuse.
        Assert.Contains(problems, p => p.StartsWith("unet/model.onnx has an input 'added_time_idz'", StringComparison.Ordinal));
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Validate_UNetInChannelsSix_ReportsConfigMismatchAndGraphMismatch()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("unet/config.json", "\"in_channels\": 8", "\"in_channels\": 6");

        var problems = AssertInvalid(copy.Folder);

        // The configs disagree: the UNet takes 2 x 4 latent channels.
        var configs = Assert.Single(problems, p => p.StartsWith("unet/config.json: in_channels is 6", StringComparison.Ordinal));
        Assert.Contains("2 × latent_channels = 8", configs, StringComparison.Ordinal);
        Assert.Contains("vae/config.json latent_channels is 4", configs, StringComparison.Ordinal);
        // And the graph disagrees with the config: its sample has 8 channels fixed.
        var graph = Assert.Single(problems, p => p.StartsWith("unet/model.onnx input 'sample'", StringComparison.Ordinal));
        Assert.Contains("axis 2 (channels) is fixed at 8", graph, StringComparison.Ordinal);
        Assert.Contains("unet/config.json in_channels is 6", graph, StringComparison.Ordinal);
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Validate_TruncatedUNetOnnx_SaysTruncatedAndHowToFix()
    {
        using var copy = new TempPackCopy();
        copy.Truncate("unet/model.onnx", 0.5);

        var problems = AssertInvalid(copy.Folder);

        var problem = Assert.Single(problems);
        Assert.StartsWith("unet/model.onnx is truncated or not an ONNX model (", problem, StringComparison.Ordinal);
        Assert.Contains("end of the file", problem, StringComparison.Ordinal);
        Assert.EndsWith("re-export or re-copy it.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_JsonInPlaceOfOnnx_SaysNotAnOnnxModel()
    {
        using var copy = new TempPackCopy();
        File.Copy(copy.PathOf("unet/config.json"), copy.PathOf("vae_decoder/model.onnx"), overwrite: true);

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("vae_decoder/model.onnx is truncated or not an ONNX model (", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyOnnx_SaysItHoldsNoGraph()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("image_encoder/model.onnx", "");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("image_encoder/model.onnx is truncated or not an ONNX model (", problem, StringComparison.Ordinal);
        Assert.Contains("no graph", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MalformedVaeJson_NamesFileAndLine()
    {
        using var copy = new TempPackCopy();
        var text = File.ReadAllText(copy.PathOf("vae/config.json")).TrimEnd();
        Assert.EndsWith("}", text, StringComparison.Ordinal);
        copy.WriteText("vae/config.json", text[..^1]);

        var problems = AssertInvalid(copy.Folder);

        var problem = Assert.Single(problems, p => p.StartsWith("vae/config.json is not valid JSON (", StringComparison.Ordinal));
        Assert.Contains("LineNumber:", problem, StringComparison.Ordinal);
        Assert.Contains("Copy vae/config.json unchanged from the diffusers checkpoint", problem, StringComparison.Ordinal);
        // Without the VAE config the graphs' latent channels cannot be checked, but nothing else is reported wrong.
        Assert.Single(problems);
    }

    [Fact]
    public void Validate_ConfigKeyMissingAndMistyped_NamesEachKey()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("vae/config.json", "\"latent_channels\": 4,", "");
        copy.ReplaceText("vae/config.json", "\"scaling_factor\": 0.18215", "\"scaling_factor\": \"0.18215\"");

        var problems = AssertInvalid(copy.Folder);

        Assert.Contains(problems, p => p.StartsWith("vae/config.json has no key 'latent_channels' (expected a positive integer)", StringComparison.Ordinal));
        var mistyped = Assert.Single(problems, p => p.StartsWith("vae/config.json: key 'scaling_factor'", StringComparison.Ordinal));
        Assert.Contains("is \"0.18215\" (JSON string), but it must be a number greater than 0", mistyped, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_FeatureExtractorStdWithTwoValues_NamesKeyAndLength()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("feature_extractor/preprocessor_config.json", "0.26130258,", "");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("feature_extractor/preprocessor_config.json: key 'image_std'", problem, StringComparison.Ordinal);
        Assert.Contains("an array of 3 numbers, each greater than 0", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ModelIndexOfAnotherPipeline_NamesClass()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("model_index.json", "\"StableVideoDiffusionPipeline\"", "\"StableDiffusionPipeline\"");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("model_index.json: key '_class_name' is \"StableDiffusionPipeline\"", problem, StringComparison.Ordinal);
        Assert.Contains("StableVideoDiffusionPipeline", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProjectionDimDiffersFromCrossAttentionDim_ReportsConfigsAndGraph()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("image_encoder/config.json", "\"projection_dim\": 32", "\"projection_dim\": 64");

        var problems = AssertInvalid(copy.Folder);

        Assert.Contains(problems, p => p.StartsWith("image_encoder/config.json: projection_dim is 64", StringComparison.Ordinal) &&
            p.Contains("cross_attention_dim = 32", StringComparison.Ordinal));
        var graph = Assert.Single(problems, p => p.StartsWith("image_encoder/model.onnx output 'image_embeds'", StringComparison.Ordinal));
        Assert.Contains("[B,32]: axis 1 (P) is fixed at 32, but image_encoder/config.json projection_dim is 64", graph, StringComparison.Ordinal);
        Assert.Equal(2, problems.Count);
    }

    [Fact]
    public void Validate_CrossAttentionDimChanged_ReportsEncoderHiddenStatesAxis()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("unet/config.json", "\"cross_attention_dim\": 32", "\"cross_attention_dim\": 16");

        var problems = AssertInvalid(copy.Folder);

        Assert.Contains(problems, p => p.StartsWith("unet/model.onnx input 'encoder_hidden_states' is [B,1,32]: axis 2 (P) is fixed at 32, but unet/config.json cross_attention_dim is 16", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("image_encoder/config.json: projection_dim is 32", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_LatentChannelsChanged_ReportsDecoderAxisAndUNetChannels()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("vae/config.json", "\"latent_channels\": 4", "\"latent_channels\": 16");

        var problems = AssertInvalid(copy.Folder);

        // The tiny VAE encoder's latent channel axis is symbolic ("Slicelatent_dim_1"), so only the decoder's fixed 4
        // contradicts the config; the UNet's channel counts contradict it too.
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("vae_decoder/model.onnx input 'latent_sample' is [N,4,h,w]: axis 1 (channels) is fixed at 4, but vae/config.json latent_channels is 16", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("unet/config.json: in_channels is 8", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("unet/config.json: out_channels is 4", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AdditionTimeEmbedDimMismatch_QuotesBothKeys()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("unet/config.json", "\"addition_time_embed_dim\": 32", "\"addition_time_embed_dim\": 30");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("unet/config.json: addition_time_embed_dim 30 × 3 added time ids = 90", problem, StringComparison.Ordinal);
        Assert.Contains("projection_class_embeddings_input_dim is 96", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SchedulerConfigRejected_NamesPackRelativeFile()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("scheduler/scheduler_config.json", "\"v_prediction\"", "\"sample\"");
        copy.ReplaceText("scheduler/scheduler_config.json", "\"steps_offset\": 1", "\"steps_offset\": \"one\"");

        var problems = AssertInvalid(copy.Folder);

        // EulerSchedulerConfig.Load rejects the mistyped key; the scheduler would also reject "sample", but Load
        // stops before building it, so exactly the one problem it found is passed on, with the pack-relative path.
        var problem = Assert.Single(problems);
        Assert.StartsWith("scheduler/scheduler_config.json: key 'steps_offset'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SchedulerUnsupportedValue_ReportsTheSchedulersProblem()
    {
        using var copy = new TempPackCopy();
        copy.ReplaceText("scheduler/scheduler_config.json", "\"v_prediction\"", "\"sample\"");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("scheduler/scheduler_config.json: key 'prediction_type' is \"sample\"", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SvdWebJsonSideNotMultipleOf8_NamesKeyValueAndNeighbours()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", """{"default_height": 60, "default_width": 128}""");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("svdweb.json: key 'default_height' is 60, but it must be a multiple of 8", problem, StringComparison.Ordinal);
        Assert.Contains("use 56 or 64", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SvdWebJsonBadTypeAndUnknownKey_ReportsBoth()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", """{"default_height": "64", "default_width": 128, "default_frames": 6}""");

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("svdweb.json: key 'default_height' is \"64\" (JSON string), but it must be a positive integer", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("svdweb.json: unknown key 'default_frames'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SvdWebJsonSideNotMultipleOfUNetFactor_SuggestsAFittingSide()
    {
        using var copy = new TempPackCopy();
        // 72 is a multiple of 8, but the tiny UNet halves the latent once more, so sides must be multiples of 16.
        copy.WriteText("svdweb.json", """{"default_height": 72, "default_width": 128}""");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("svdweb.json: key 'default_height' is 72", problem, StringComparison.Ordinal);
        Assert.Contains("multiples of 16", problem, StringComparison.Ordinal);
        Assert.Contains("\"default_height\": 64 (or 80)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoSvdWebJson_TakesDiffusersDefaultSize()
    {
        using var copy = new TempPackCopy();
        copy.Delete("svdweb.json");

        var pack = ModelPack.Load(copy.Folder);

        Assert.Equal((576, 1024), (pack.DefaultHeight, pack.DefaultWidth));
    }

    [Fact]
    public void Load_SvdWebJsonWithHeightOnly_KeepsDiffusersWidth()
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", """{"default_height": 128}""");

        var pack = ModelPack.Load(copy.Folder);

        Assert.Equal((128, 1024), (pack.DefaultHeight, pack.DefaultWidth));
    }

    [Fact]
    public void Load_DraftSteps_EightUnlessSvdWebJsonSetsThemAndNeverMoreThanTheRecipes()
    {
        using var copy = new TempPackCopy();
        Assert.Equal(8, ModelPack.Load(copy.Folder).DraftInferenceSteps);

        copy.WriteText("svdweb.json", """{"default_height": 64, "default_width": 128, "draft_inference_steps": 5}""");
        var pack = ModelPack.Load(copy.Folder);

        Assert.Equal(5, pack.DraftInferenceSteps);
        Assert.Equal(5, pack.DraftStepsFor(25));
        Assert.Equal(3, pack.DraftStepsFor(3));
    }

    [Theory]
    [InlineData("0", "a positive integer")]
    [InlineData("201", "between 1 and 200")]
    [InlineData("\"8\"", "a positive integer")]
    public void Validate_DraftStepsOutOfRange_NamesTheKey(string value, string expected)
    {
        using var copy = new TempPackCopy();
        copy.WriteText("svdweb.json", "{\"default_height\": 64, \"default_width\": 128, \"draft_inference_steps\": " + value + "}");

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("svdweb.json: key 'draft_inference_steps' is ", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBrokenFiles_ListsEveryProblem()
    {
        using var copy = new TempPackCopy();
        copy.Delete("unet/model.onnx");
        copy.WriteText("vae/config.json", "{");
        copy.Truncate("image_encoder/model.onnx", 0.5);
        copy.WriteText("svdweb.json", """{"default_width": 0}""");

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("unet/model.onnx is missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("vae/config.json is not valid JSON", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("image_encoder/model.onnx is truncated", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("svdweb.json: key 'default_width' is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ExternalDataFileMissing_NamesTheDataFile()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("vae_encoder/model.onnx"), OnnxTestModels.WithExternalWeights(
            inputs: [("sample", 1, ["B", 3, "H", "W"])], outputs: [("latent", 1, ["B", 4, "h", "w"])], location: "weights.bin", bytes: 4096));

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("vae_encoder/weights.bin is missing: vae_encoder/model.onnx keeps weights in it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExternalDataFileShort_SaysTruncated()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("vae_encoder/model.onnx"), OnnxTestModels.WithExternalWeights(
            inputs: [("sample", 1, ["B", 3, "H", "W"])], outputs: [("latent", 1, ["B", 4, "h", "w"])], location: "weights.bin", bytes: 4096));
        File.WriteAllBytes(copy.PathOf("vae_encoder/weights.bin"), new byte[1000]);

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("vae_encoder/weights.bin is 1,000 bytes, but vae_encoder/model.onnx reads weights up to byte 4,096", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExternalDataOutsideTheGraphFolder_SaysOnnxRuntimeRefusesIt()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("vae_encoder/model.onnx"), OnnxTestModels.WithExternalWeights(
            inputs: [("sample", 1, ["B", 3, "H", "W"])], outputs: [("latent", 1, ["B", 4, "h", "w"])], location: "../unet/weights.bin", bytes: 4096));

        var problem = Assert.Single(AssertInvalid(copy.Folder));

        Assert.StartsWith("vae_encoder/model.onnx keeps weights in '../unet/weights.bin' (ONNX external data), outside its own folder", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExternalDataPresent_CountsItsParametersAndBytes()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("vae_encoder/model.onnx"), OnnxTestModels.WithExternalWeights(
            inputs: [("sample", 1, ["B", 3, "H", "W"])], outputs: [("latent", 1, ["B", 4, "h", "w"])], location: "weights.bin", bytes: 4096));
        File.WriteAllBytes(copy.PathOf("vae_encoder/weights.bin"), new byte[4096]);

        var pack = ModelPack.Load(copy.Folder);

        // The synthetic encoder stores 1,024 float32 weights instead of the tiny encoder's 394,064.
        Assert.Equal(TinyPackParameters - 394_064 + 1024, pack.ParameterCount);
        var expectedBytes = Directory.EnumerateFiles(copy.Folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(expectedBytes, pack.SizeOnDiskBytes);
    }

    [Fact]
    public void Load_Float16UNetAndDecoder_DescribesTheFloat32Components()
    {
        using var copy = new TempPackCopy();
        // A float16 UNet and VAE decoder with a float32 VAE encoder and image encoder (only the signatures matter here).
        File.WriteAllBytes(copy.PathOf("unet/model.onnx"), OnnxTestModels.Graph(
            [("sample", 10, ["B", "F", 8, "h", "w"]), ("timestep", 10, ["B"]), ("encoder_hidden_states", 10, ["B", 1, 32]), ("added_time_ids", 10, ["B", 3])],
            [("out_sample", 10, ["B", "F", 4, "h", "w"])], weightType: 10, weightCount: 5000));
        File.WriteAllBytes(copy.PathOf("vae_decoder/model.onnx"), OnnxTestModels.Graph(
            [("latent_sample", 10, ["N", 4, "h", "w"])], [("sample", 10, ["N", 3, "H", "W"])], weightType: 10, weightCount: 3000));

        var pack = ModelPack.Load(copy.Folder);

        Assert.Equal("float16 (image encoder float32, VAE encoder float32)", pack.Precision);
        // ONNX Runtime's CPU provider keeps float32 copies of float16 weights (README, "Exactness"): said, with the fix.
        Assert.Contains("float32 export", pack.CpuPrecisionWarning, StringComparison.Ordinal);
        Assert.Contains("without --fp16", pack.CpuPrecisionWarning, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TinyPack_NoCpuPrecisionWarning()
    {
        Assert.Null(ModelPack.Load(Fixtures.TinyPack).CpuPrecisionWarning);
    }

    [Fact]
    public void DescribePrecision_FaithfulFloat16Pack_NamesTheVaeEncoder()
    {
        var types = new Dictionary<PackComponent, string>
        {
            [PackComponent.ImageEncoder] = "float16",
            [PackComponent.VaeEncoder] = "float32",
            [PackComponent.VaeDecoder] = "float16",
            [PackComponent.UNet] = "float16",
        };

        Assert.Equal("float16 (VAE encoder float32)", ModelPack.DescribePrecision(types));
    }

    [Fact]
    public void Validate_UNetOutputWrongRank_SaysFramesBeforeChannels()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("unet/model.onnx"), OnnxTestModels.Graph(
            [("sample", 1, ["B", "F", 8, "h", "w"]), ("timestep", 1, ["B"]), ("encoder_hidden_states", 1, ["B", 1, 32]), ("added_time_ids", 7, ["B", 3])],
            [("out_sample", 1, ["BF", 4, "h", "w"])], weightType: 1, weightCount: 10));

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("unet/model.onnx output 'out_sample' has rank 4 [BF,4,h,w], but the pipeline reads rank 5 [B,6,4,h,w] (frames before channels)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("unet/model.onnx input 'added_time_ids' is int64, but the pipeline exchanges only float32 or float16", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UNetStaticFramesOtherThanNumFrames_NamesNumFrames()
    {
        using var copy = new TempPackCopy();
        File.WriteAllBytes(copy.PathOf("unet/model.onnx"), OnnxTestModels.Graph(
            [("sample", 1, ["B", 14, 8, "h", "w"]), ("timestep", 1, ["B"]), ("encoder_hidden_states", 1, ["B", 1, 32]), ("added_time_ids", 1, ["B", 3])],
            [("out_sample", 1, ["B", 14, 4, "h", "w"])], weightType: 1, weightCount: 10));

        var problems = AssertInvalid(copy.Folder);

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Contains("axis 1 (F) is fixed at 14, but unet/config.json num_frames is 6", p, StringComparison.Ordinal));
    }

    /// <summary>Asserts the pack is invalid both ways: Validate gives no pack, and Load throws with the same problems.</summary>
    private static IReadOnlyList<string> AssertInvalid(string folder)
    {
        var validation = ModelPack.Validate(folder);
        Assert.Null(validation.Pack);
        Assert.NotEmpty(validation.Problems);

        var ex = Assert.Throws<ModelPackException>(() => ModelPack.Load(folder));
        Assert.Equal(validation.Problems, ex.Problems);
        Assert.Equal(Path.GetFullPath(folder), ex.PackFolder);
        foreach (var problem in validation.Problems)
            Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        return validation.Problems;
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
