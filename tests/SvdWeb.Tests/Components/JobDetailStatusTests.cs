using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The detail page's header and progress panel show one status: the live one.</summary>
public sealed class JobDetailStatusTests : RealServicesContext
{
    [Fact]
    public async Task Header_JobStartsRunning_SaysRunningLikeThePanel()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await Services.GetRequiredService<JobService>().SubmitAsync(image, "a.png",
            new SvdRecipe { Height = 64, Width = 128, NumFrames = 4, NumInferenceSteps = 2, Seed = 1 }, JobOwner.Local, ct);
        Render<MudPopoverProvider>();
        var page = Render<JobDetail>(p => p.Add(c => c.Id, job.Id));
        page.WaitForAssertion(() => Assert.Equal("Queued", page.Find("#detail-status .status-chip").GetAttribute("data-status")));

        // The row still says Queued (no worker runs here); only the live report says Running.
        Services.GetRequiredService<JobProgressBroadcaster>().Publish(new JobProgress(job.Id, JobStatus.Running, SvdStage.Denoising, 1, 2, 0.3, 1, 2, null));

        page.WaitForAssertion(() => Assert.Equal("Running", page.Find("#detail-status .status-chip").GetAttribute("data-status")));
        Assert.Equal("Running", page.Find("#progress-panel .status-chip").GetAttribute("data-status"));

        // A page opened while it runs starts from the live status too.
        var reopened = Render<JobDetail>(p => p.Add(c => c.Id, job.Id));
        reopened.WaitForAssertion(() => Assert.Equal("Running", reopened.Find("#detail-status .status-chip").GetAttribute("data-status")));
    }
}
