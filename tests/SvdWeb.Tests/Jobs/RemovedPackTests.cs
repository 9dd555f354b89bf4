using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.Packs;
using SvdWeb.TestSupport;
using SvdWeb.Tests.Components;
using SvdWeb.Tests.Packs;

namespace SvdWeb.Tests.Jobs;

/// <summary>A pack removed from the models folder while a job for it waits: the job fails naming the pack. Real services, no worker.</summary>
public sealed class RemovedPackTests : RealServicesContext
{
    private readonly TempModelsFolder _models;

    public RemovedPackTests()
        : this(new TempModelsFolder())
    {
    }

    private RemovedPackTests(TempModelsFolder models)
        : base(models.Folder)
    {
        _models = models;
        _models.AddTinyCopy("tiny-gone");
    }

    [Fact]
    public async Task Run_PackRemovedWhileQueued_FailsNamingThePack()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var catalog = Services.GetRequiredService<PackCatalog>();
        catalog.Rescan();
        await using var image = File.OpenRead(Fixtures.Image("logo_128x64.png"));
        var job = await Services.GetRequiredService<JobService>().SubmitAsync(image, "logo.png",
            new SvdRecipe { Model = "tiny-gone", NumFrames = 2, NumInferenceSteps = 1, Seed = 1 }, JobOwner.Local, ct);

        _models.Remove("tiny-gone");
        var changes = catalog.Rescan();
        await Services.GetRequiredService<JobRunner>().RunAsync(job.Id, "cpu", ct);

        Assert.Equal(["tiny-gone"], changes.Removed);
        var row = await Services.GetRequiredService<JobService>().FindAsync(job.Id, ct);
        Assert.Equal(JobStatus.Failed, row!.Status);
        Assert.Contains("model pack 'tiny-gone' was removed from the models folder after this job was queued", row.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(catalog.List(), p => p.Name == "tiny-gone");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _models.Dispose();
    }
}
