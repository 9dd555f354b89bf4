using Bunit;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Components.Shared;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;

namespace SvdWeb.Tests.Components;

public sealed class JobProgressPanelTests : RealServicesContext
{
    private static readonly Guid JobId = Guid.Parse("3d2c1b0a-0000-4000-8000-000000000001");

    [Fact]
    public void Render_NoReportYet_ShowsWaitingInQueue()
    {
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));

        Assert.Equal("Waiting in the queue", panel.Find("#progress-stage").TextContent);
        Assert.NotNull(panel.Find("#cancel-job"));
    }

    [Fact]
    public void Publish_DenoisingStep_UpdatesStageTimesAndPreview()
    {
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));

        broadcaster.Publish(new JobProgress(JobId, GenerationStatus.Running, SvdStage.Denoising, 3, 25, 0.4, 12.5, 18, null, [0x89, 0x50, 0x4E, 0x47]));

        panel.WaitForAssertion(() =>
        {
            Assert.Equal("Denoising step 3/25", panel.Find("#progress-stage").TextContent);
            Assert.Equal("40% · elapsed 12.5 s · about 18 s left", panel.Find("#progress-times").TextContent);
            Assert.StartsWith("data:image/png;base64,", panel.Find("#latent-preview").GetAttribute("src"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Publish_Failed_ShowsMessageHidesCancelAndRaisesFinished()
    {
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        JobProgress? finished = null;
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId).Add(c => c.OnFinished, (JobProgress f) => finished = f));

        broadcaster.Publish(new JobProgress(JobId, GenerationStatus.Failed, SvdStage.Decoding, 1, 2, 0.9, 30, 0, "Out of device memory while running the VAE decoder."));

        panel.WaitForAssertion(() =>
        {
            Assert.Contains("Out of device memory", panel.Find("#progress-error").TextContent, StringComparison.Ordinal);
            Assert.Empty(panel.FindAll("#cancel-job"));
            Assert.Equal(GenerationStatus.Failed, finished?.Status);
        });
    }

    [Fact]
    public void Render_AfterEarlierReport_ReattachesToLatestState()
    {
        // A page reload or a second tab renders a new panel: it starts from the broadcaster's latest report.
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        broadcaster.Publish(new JobProgress(JobId, GenerationStatus.Running, SvdStage.Decoding, 1, 2, 0.9, 20, 2, null));

        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));

        Assert.Equal("Decoding chunk 1/2", panel.Find("#progress-stage").TextContent);
    }
}
