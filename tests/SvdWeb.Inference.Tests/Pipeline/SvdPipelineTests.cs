namespace SvdWeb.Inference.Tests.Pipeline;

public sealed class SvdPipelineTests(TinyPipelineFixture fixture) : IClassFixture<TinyPipelineFixture>
{
    private static readonly SvdRecipe Small = new()
    {
        Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 4, DecodeChunkSize = 3, Seed = 1234,
    };

    [Fact]
    public async Task RunAsync_CancelAtStepTwoOfFour_ThrowsAndStopsDenoising()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var reports = new List<SvdProgress>();
        var progress = new SyncProgress(p =>
        {
            reports.Add(p);
            if (p is { Stage: SvdStage.Denoising, Step: 2 }) cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            fixture.Pipeline.RunAsync(PipelineCase.Load("A").LoadImage(), Small.Resolve(fixture.Pipeline.Pack), new SvdRunOptions(progress), cts.Token));

        Assert.Equal(2, reports.Where(r => r.Stage == SvdStage.Denoising).Max(r => r.Step));
        Assert.DoesNotContain(reports, r => r.Stage is SvdStage.Decoding or SvdStage.Done);
    }

    [Fact]
    public async Task RunAsync_AfterCancelledRun_NextRunStillMatches()
    {
        // A cancelled run leaves nothing behind: the same request afterwards gives the same frames as before it.
        var image = PipelineCase.Load("A").LoadImage();
        var before = await fixture.Pipeline.RunAsync(image, Small.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Pipeline.RunAsync(image, Small.Resolve(fixture.Pipeline.Pack), null, cts.Token));

        var after = await fixture.Pipeline.RunAsync(image, Small.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);

        Assert.Equal(before.Videos[0].FramesRgb24, after.Videos[0].FramesRgb24);
    }

    [Fact]
    public async Task RunAsync_WithProgress_DenoisingAndDecodingCountersBothRunFromOneToN()
    {
        var reports = new List<SvdProgress>();
        await fixture.Pipeline.RunAsync(PipelineCase.Load("B").LoadImage(), Small.Resolve(fixture.Pipeline.Pack), new SvdRunOptions(new SyncProgress(reports.Add)), TestContext.Current.CancellationToken);

        string[] Shown(SvdStage stage) => reports.Where(r => r.Stage == stage).Select(r => SvdProgress.Counter(r.Stage, r.Step, r.TotalSteps)!).Distinct().ToArray();
        Assert.Equal(["step 1/4", "step 2/4", "step 3/4", "step 4/4"], Shown(SvdStage.Denoising));
        // 4 frames in chunks of 3: two decoder calls, and the last report of the stage still reads 2/2.
        Assert.Equal(["chunk 1/2", "chunk 2/2"], Shown(SvdStage.Decoding));
        Assert.Equal("chunk 2/2", SvdProgress.Counter(SvdStage.Decoding, reports.Last(r => r.Stage == SvdStage.Decoding).Step, 2));
        Assert.Null(SvdProgress.Counter(SvdStage.EncodingVae, 0, 1));
    }

    [Fact]
    public async Task RunAsync_WithProgress_ReportsEveryStageInOrderMonotonically()
    {
        var reports = new List<SvdProgress>();
        var result = await fixture.Pipeline.RunAsync(PipelineCase.Load("B").LoadImage(), Small.Resolve(fixture.Pipeline.Pack),
            new SvdRunOptions(new SyncProgress(reports.Add), Previews: true), TestContext.Current.CancellationToken);

        var stages = reports.Select(r => r.Stage).Distinct().ToArray();
        Assert.Equal([SvdStage.Preprocessing, SvdStage.EncodingImage, SvdStage.EncodingVae, SvdStage.Denoising, SvdStage.Decoding, SvdStage.Done], stages);
        Assert.Equal([1, 2, 3, 4], reports.Where(r => r is { Stage: SvdStage.Denoising, Step: > 0 }).Select(r => r.Step));
        Assert.All(reports.Where(r => r.Stage == SvdStage.Denoising), r => Assert.Equal(4, r.TotalSteps));
        // 4 frames in chunks of 3: two decoder calls.
        Assert.Equal([1, 2], reports.Where(r => r is { Stage: SvdStage.Decoding, Step: > 0 }).Select(r => r.Step));
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].Fraction >= reports[i - 1].Fraction, $"Fraction fell from {reports[i - 1].Fraction} to {reports[i].Fraction} at report {i}.");
            Assert.True(reports[i].Elapsed >= reports[i - 1].Elapsed);
        }
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.All(reports.Where(r => r is { Stage: SvdStage.Denoising, Step: > 0 }), r =>
        {
            Assert.NotNull(r.Remaining);
            var preview = Assert.IsType<SvdWeb.Inference.Imaging.RgbImage>(r.Preview);
            Assert.Equal((128 / 8, 64 / 8), (preview.Width, preview.Height));
        });
        Assert.Equal(4, result.Timings.UNetSteps.Count);
        Assert.Equal(2, result.Timings.DecodeChunks.Count);
        Assert.True(result.Timings.InOnnxRuntime <= result.Timings.Total);
    }

    [Fact]
    public async Task RunAsync_FrameReady_HandsOverEachChunksFramesBeforeTheNextChunkDecodes()
    {
        // 4 frames in chunks of 3: frames 0..2 must be out before chunk 1 is reported done, frame 3 before chunk 2.
        var events = new List<string>();
        var handed = new Dictionary<int, byte[]>();
        var options = new SvdRunOptions(
            new SyncProgress(p => { if (p is { Stage: SvdStage.Decoding, Step: > 0 }) events.Add($"chunk {p.Step}"); }),
            FrameReady: (video, frame, rgb) =>
            {
                events.Add($"frame {video}:{frame}");
                handed[frame] = rgb.ToArray();
            });

        var result = await fixture.Pipeline.RunAsync(PipelineCase.Load("A").LoadImage(), Small.Resolve(fixture.Pipeline.Pack), options, TestContext.Current.CancellationToken);

        Assert.Equal(["frame 0:0", "frame 0:1", "frame 0:2", "chunk 1", "frame 0:3", "chunk 2"], events);
        for (var f = 0; f < 4; f++)
            Assert.Equal(result.Videos[0].FrameRgb24(f).ToArray(), handed[f]);
    }

    [Fact]
    public async Task RunAsync_SameRecipeTwice_GivesIdenticalBytes()
    {
        var image = PipelineCase.Load("C").LoadImage();
        var recipe = Small with { NumVideosPerPrompt = 2, DecodeChunkSize = 3 };

        var first = await fixture.Pipeline.RunAsync(image, recipe.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);
        var second = await fixture.Pipeline.RunAsync(image, first.Recipe, null, TestContext.Current.CancellationToken);

        Assert.Equal(2, first.Videos.Count);
        Assert.Equal(first.Videos[0].FramesRgb24, second.Videos[0].FramesRgb24);
        Assert.Equal(first.Videos[1].FramesRgb24, second.Videos[1].FramesRgb24);
        Assert.NotEqual(first.Videos[0].FramesRgb24, first.Videos[1].FramesRgb24);
    }

    [Fact]
    public async Task RunAsync_RecipeJsonRoundTrip_Reproduces()
    {
        var image = PipelineCase.Load("A").LoadImage();
        var first = await fixture.Pipeline.RunAsync(image, Small.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);

        var again = await fixture.Pipeline.RunAsync(image, SvdRecipe.FromJson(first.Recipe.ToRequest("tiny-svd").ToJson()).Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);

        Assert.Equal(first.Recipe, again.Recipe);
        Assert.Equal(first.Videos[0].FramesRgb24, again.Videos[0].FramesRgb24);
    }

    [Fact]
    public async Task RunAsync_DefaultsFromPack_FramesAndChunkFromUNetConfig()
    {
        var result = await fixture.Pipeline.RunAsync(PipelineCase.Load("A").LoadImage(),
            new SvdRecipe { Height = 64, Width = 64, NumInferenceSteps = 1 }.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken);

        Assert.Equal(6, result.Recipe.NumFrames);
        Assert.Equal(6, result.Recipe.DecodeChunkSize);
        Assert.Equal("tiny-svd", result.Recipe.ToRequest(fixture.Pipeline.Pack.Name).Model);
        Assert.Equal(6, result.Videos[0].NumFrames);
    }

    [Theory]
    [InlineData("height", 72, "height must be a multiple of 16 for pack 'tiny-svd'")]
    [InlineData("width", 100, "Use 96 or 112")]
    [InlineData("numFrames", 0, "numFrames must be between 1 and 128")]
    [InlineData("numInferenceSteps", 0, "numInferenceSteps must be between 1 and 200")]
    [InlineData("fps", 0, "fps must be between 1 and 120")]
    [InlineData("decodeChunkSize", 0, "decodeChunkSize must be between 1")]
    [InlineData("numVideosPerPrompt", 9, "numVideosPerPrompt must be between 1 and 8")]
    [InlineData("motionBucketId", -1, "motionBucketId must be between 0 and 1023")]
    public async Task RunAsync_ParameterOutOfRange_NamesFieldAndRange(string field, int value, string expected)
    {
        var recipe = field switch
        {
            "height" => Small with { Height = value },
            "width" => Small with { Width = value },
            "numFrames" => Small with { NumFrames = value },
            "numInferenceSteps" => Small with { NumInferenceSteps = value },
            "fps" => Small with { Fps = value },
            "decodeChunkSize" => Small with { DecodeChunkSize = value },
            "numVideosPerPrompt" => Small with { NumVideosPerPrompt = value },
            "motionBucketId" => Small with { MotionBucketId = value },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var ex = await Assert.ThrowsAsync<SvdInputException>(() =>
            fixture.Pipeline.RunAsync(PipelineCase.Load("A").LoadImage(), recipe.Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken));

        Assert.Equal(field, ex.Field);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MinGuidanceAboveMax_Refused()
    {
        var ex = await Assert.ThrowsAsync<SvdInputException>(() => fixture.Pipeline.RunAsync(
            PipelineCase.Load("A").LoadImage(), (Small with { MinGuidanceScale = 2.5f, MaxGuidanceScale = 1.5f }).Resolve(fixture.Pipeline.Pack), null, TestContext.Current.CancellationToken));

        Assert.Equal("minGuidanceScale", ex.Field);
        Assert.Contains("make min ≤ max", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_OnMachineWithoutCuda_IsCpuWithReason()
    {
        Assert.Equal("CPU", fixture.Pipeline.Provider.Provider);
        Assert.False(string.IsNullOrWhiteSpace(fixture.Pipeline.Provider.Reason));
    }
}
