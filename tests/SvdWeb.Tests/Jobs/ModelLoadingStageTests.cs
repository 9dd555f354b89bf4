using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Jobs;

/// <summary>A worker's first run of a pack shows the model loading as its own stage; later runs go straight to work.</summary>
public sealed class ModelLoadingStageTests : IDisposable
{
    private static readonly SvdRecipe Small = new() { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, DecodeChunkSize = 2, Seed = 42 };
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-loading-").FullName;

    [Fact]
    public async Task FirstJobOfAPack_LoadingModelBeforeItsFirstStage_SecondJobWithout()
    {
        var ct = TestContext.Current.CancellationToken;
        using var factory = new SvdWebFactory(_data);
        var services = factory.Services;
        var reports = new ConcurrentQueue<JobProgress>();
        using var subscription = services.GetRequiredService<JobProgressBroadcaster>().Subscribe(null, reports.Enqueue);

        var first = await SubmitAsync(services, ct);
        Assert.Equal(Gallery.JobStatus.Succeeded, (await ProgressWaits.UntilEndAsync(services, first, ct)).Status);
        var second = await SubmitAsync(services, ct);
        Assert.Equal(Gallery.JobStatus.Succeeded, (await ProgressWaits.UntilEndAsync(services, second, ct)).Status);

        var firstRun = reports.Where(r => r.JobId == first && r.Status == Gallery.JobStatus.Running).ToArray();
        var stages = firstRun.Select(r => r.Stage).Distinct().ToArray();
        Assert.Equal(SvdStage.LoadingModel, stages.SkipWhile(s => s == SvdStage.Preprocessing).First());
        Assert.True(Array.IndexOf(stages, SvdStage.LoadingModel) < Array.IndexOf(stages, SvdStage.EncodingImage), string.Join(", ", stages));
        // The clock the user sees carries on through the load: it never goes back.
        var elapsed = firstRun.Select(r => r.ElapsedSeconds).ToArray();
        Assert.Equal(elapsed.Order(), elapsed);
        Assert.DoesNotContain(reports, r => r.JobId == second && r.Stage == SvdStage.LoadingModel);
    }

    private static async Task<Guid> SubmitAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        return (await services.GetRequiredService<JobService>().SubmitAsync(image, "logo.png", Small, JobOwner.Local, ct)).Id;
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);
}
