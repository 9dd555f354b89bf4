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

        broadcaster.Publish(new JobProgress(JobId, JobStatus.Running, SvdStage.Denoising, 3, 25, 0.4, 12.5, 18, null, [0x89, 0x50, 0x4E, 0x47]));

        panel.WaitForAssertion(() =>
        {
            // Three steps done: the fourth is running.
            Assert.Equal("Denoising step 4/25", panel.Find("#progress-stage").TextContent);
            Assert.Equal("40% · elapsed 12.5 s · about 18 s left", panel.Find("#progress-times").TextContent);
            Assert.StartsWith("data:image/png;base64,", panel.Find("#latent-preview").GetAttribute("src"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Publish_LoadingModel_SaysSoWithItsElapsedTime()
    {
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));

        broadcaster.Publish(new JobProgress(JobId, JobStatus.Running, SvdStage.LoadingModel, 0, 1, 0, 7, null, null));

        panel.WaitForAssertion(() =>
        {
            Assert.Equal("Loading the model (first run of this pack on this worker)", panel.Find("#progress-stage").TextContent);
            Assert.Equal("0% · elapsed 7.0 s", panel.Find("#progress-times").TextContent);
        });
    }

    [Fact]
    public void Publish_Failed_ShowsMessageHidesCancelAndRaisesFinished()
    {
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        JobProgress? finished = null;
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId).Add(c => c.OnFinished, (JobProgress f) => finished = f));

        broadcaster.Publish(new JobProgress(JobId, JobStatus.Failed, SvdStage.Decoding, 1, 2, 0.9, 30, 0, "Out of device memory while running the VAE decoder."));

        panel.WaitForAssertion(() =>
        {
            Assert.Contains("Out of device memory", panel.Find("#progress-error").TextContent, StringComparison.Ordinal);
            Assert.Empty(panel.FindAll("#cancel-job"));
            Assert.Equal(JobStatus.Failed, finished?.Status);
        });
    }

    [Fact]
    public void Render_AfterEarlierReport_ReattachesToLatestState()
    {
        // A page reload or a second tab renders a new panel: it starts from the broadcaster's latest report.
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        broadcaster.Publish(new JobProgress(JobId, JobStatus.Running, SvdStage.Decoding, 1, 2, 0.9, 20, 2, null));

        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));

        Assert.Equal("Decoding chunk 2/2", panel.Find("#progress-stage").TextContent);
    }

    [Theory]
    [InlineData(SvdStage.Denoising, 3, "Denoising step")]
    [InlineData(SvdStage.Decoding, 3, "Decoding chunk")]
    public void Publish_EveryReportOfAStage_CountsFromOneToN(SvdStage stage, int total, string label)
    {
        // The pipeline reports 0 when a stage starts, then each step or chunk done: both stages read 1/n … n/n.
        var broadcaster = Services.GetRequiredService<JobProgressBroadcaster>();
        var panel = Render<JobProgressPanel>(p => p.Add(c => c.JobId, JobId));
        var shown = new List<string>();

        for (var done = 0; done <= total; done++)
        {
            broadcaster.Publish(new JobProgress(JobId, JobStatus.Running, stage, done, total, 0.5 + done * 0.1, 10 + done, 5, null));
            var expected = done;
            panel.WaitForAssertion(() => Assert.Equal(expected, broadcaster.Latest(JobId)!.Step));
            panel.WaitForAssertion(() => Assert.Equal($"{label} {Math.Min(expected + 1, total)}/{total}", panel.Find("#progress-stage").TextContent));
            shown.Add(panel.Find("#progress-stage").TextContent);
        }

        Assert.Equal([$"{label} 1/3", $"{label} 2/3", $"{label} 3/3"], shown.Distinct());
    }
}
