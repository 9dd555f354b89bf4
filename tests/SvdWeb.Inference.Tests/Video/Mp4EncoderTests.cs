using SvdWeb.Inference.Video;
using SvdWeb.TestSupport;

namespace SvdWeb.Inference.Tests.Video;

/// <summary>The streaming MP4 encoder with the real ffmpeg: frames go in while ffmpeg runs, and only a complete
/// video is ever at the target path.</summary>
public sealed class Mp4EncoderTests : IDisposable
{
    private const int Width = 128, Height = 64;
    private readonly string _folder = Directory.CreateTempSubdirectory("svdweb-mp4-").FullName;

    private static ReadOnlyMemory<byte>[] Frames(int count) => [.. Enumerable.Range(0, count).Select(f =>
    {
        var pixels = new byte[Width * Height * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)((i / 3 % Width * 2) + (f * 20));
        return (ReadOnlyMemory<byte>)pixels;
    })];

    /// <summary>Until ffmpeg has taken every frame added so far: it is running and encoding them.</summary>
    private static async Task UntilTakenAsync(Mp4Encoder encoder, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (encoder.PendingFrames > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"ffmpeg took no frame for 30 s; {encoder.PendingFrames} wait.");
            await Task.Delay(10, ct);
        }
    }

    [Fact]
    public async Task CompleteAsync_FramesAddedWhileFfmpegRuns_WritesTheWholeVideoOnlyAtTheEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        var target = Path.Combine(_folder, "streamed.mp4");
        var frames = Frames(6);

        await using (var encoder = Mp4Encoder.Start(target, Width, Height, 7, ct))
        {
            foreach (var frame in frames[..3]) encoder.Add(frame);
            await UntilTakenAsync(encoder, ct);
            Assert.False(File.Exists(target), "the target exists before the encode completed");
            foreach (var frame in frames[3..]) encoder.Add(frame);
            await encoder.CompleteAsync();
        }

        Assert.Equal(new FfprobeInfo("h264", "yuv420p", Width, Height, 6, "7/1"), await FfprobeInfo.ReadAsync(target, ct));
        Assert.True(FfprobeInfo.IsFastStart(target));
        Assert.Equal(["streamed.mp4"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CompleteAsync_StreamedFrames_SameFileAsEncodingThemAllAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var frames = Frames(5);
        var streamed = Path.Combine(_folder, "streamed.mp4");
        var batch = Path.Combine(_folder, "batch.mp4");
        // With the recipe inside, as every video SvdWeb writes has it.
        var recipe = new RecipeStamp(new SvdRecipe { Model = "tiny-svd", Seed = 42 }, "abc", Guid.NewGuid());

        await using (var encoder = Mp4Encoder.Start(streamed, Width, Height, 7, ct, recipe: recipe))
        {
            foreach (var frame in frames)
            {
                encoder.Add(frame);
                await UntilTakenAsync(encoder, ct);
            }
            await encoder.CompleteAsync();
        }
        await Mp4Writer.WriteAsync(batch, frames, Width, Height, 7, ct, recipe: recipe);

        Assert.Equal(await File.ReadAllBytesAsync(batch, ct), await File.ReadAllBytesAsync(streamed, ct));
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_LeavesNoFileBehind()
    {
        var target = Path.Combine(_folder, "abandoned.mp4");

        await using (var encoder = Mp4Encoder.Start(target, Width, Height, 7, TestContext.Current.CancellationToken))
        {
            foreach (var frame in Frames(2)) encoder.Add(frame);
            await UntilTakenAsync(encoder, TestContext.Current.CancellationToken);
        }

        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task CompleteAsync_Cancelled_ThrowsCancellationAndLeavesNoFile()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var target = Path.Combine(_folder, "cancelled.mp4");

        await using (var encoder = Mp4Encoder.Start(target, Width, Height, 7, cts.Token))
        {
            foreach (var frame in Frames(2)) encoder.Add(frame);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(encoder.CompleteAsync);
        }

        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    [Fact]
    public async Task CallerCancels_AfterFfmpegExited_CancelDoesNotThrowFfmpegsError()
    {
        // Stopping ffmpeg writes "q" to its stdin; once ffmpeg has exited that pipe is broken. The caller's Cancel (a
        // user cancelling a job) must not receive that error.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var target = Path.Combine(_folder, "done.mp4");
        await using (var encoder = Mp4Encoder.Start(target, Width, Height, 7, cts.Token))
        {
            foreach (var frame in Frames(2)) encoder.Add(frame);
            await encoder.CompleteAsync();

            await cts.CancelAsync();
        }

        Assert.True(File.Exists(target));
    }

    [Fact]
    public async Task CompleteAsync_NoFrames_SaysSo()
    {
        await using var encoder = Mp4Encoder.Start(Path.Combine(_folder, "empty.mp4"), Width, Height, 7, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(encoder.CompleteAsync);

        Assert.Contains("No frames", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_WrongFrameSize_NamesBothSizes()
    {
        await using var encoder = Mp4Encoder.Start(Path.Combine(_folder, "wrong.mp4"), Width, Height, 7, TestContext.Current.CancellationToken);

        var error = Assert.Throws<ArgumentException>(() => encoder.Add(new byte[10]));

        Assert.Contains($"{Width}x{Height} RGB24 frame has {Width * Height * 3} bytes, not 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VideoEncoders_SecondCannotStart_FirstStoppedAndNoFileLeft()
    {
        var blocker = Path.Combine(_folder, "blocker");
        await File.WriteAllTextAsync(blocker, "a file where a folder would go", TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<IOException>(() => VideoEncoders.StartAsync(
            [Path.Combine(_folder, "a.mp4"), Path.Combine(blocker, "b.mp4")], Width, Height, 7, TestContext.Current.CancellationToken));

        Assert.Equal(["blocker"], Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task VideoEncoders_FramesByVideo_EachFileGetsItsOwn()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] paths = [Path.Combine(_folder, "v0.mp4"), Path.Combine(_folder, "v1.mp4")];
        var frames = Frames(5);

        await using (var encoders = await VideoEncoders.StartAsync(paths, Width, Height, 7, ct))
        {
            for (var f = 0; f < 5; f++) encoders.Add(f < 3 ? 0 : 1, f, frames[f]);
            await encoders.CompleteAsync(0);
            await encoders.CompleteAsync(1);
        }

        Assert.Equal(3, (await FfprobeInfo.ReadAsync(paths[0], ct)).Frames);
        Assert.Equal(2, (await FfprobeInfo.ReadAsync(paths[1], ct)).Frames);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
