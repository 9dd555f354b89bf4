using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SvdWeb.Components.Pages;
using SvdWeb.Inference;
using SvdWeb.Jobs;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Components;

/// <summary>The Create page checks the queue limits before it decodes a chosen file, as the API does before reading an upload.</summary>
public sealed class CreatePageAdmissionTests() : RealServicesContext(time: null, configure: options => options.MaxQueuedJobsPerUser = 1)
{
    [Fact]
    public async Task ChooseFile_OwnerAtTheirQueueLimit_SaysSoWithoutDecoding()
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var service = Services.GetRequiredService<GenerationService>();
        // One waiting job of the local user: the limit. No worker runs in this context, so it stays waiting.
        await using (var upload = File.OpenRead(Fixtures.Image("logo_128x64.png")))
            await service.SubmitAsync(upload, "logo.png", new SvdRecipe { NumInferenceSteps = 1, Seed = 1 }, JobOwner.Local, ct);
        Render<MudPopoverProvider>();
        var page = Render<Create>();

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(File.ReadAllBytes(Fixtures.Image("logo_128x64.png")), "logo.png", contentType: "image/png"));

        page.WaitForAssertion(() => Assert.Contains("MaxQueuedJobsPerUser = 1", page.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("data:image/png;base64", page.Markup, StringComparison.Ordinal);
    }
}
