using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;
using SvdWeb.Jobs;

namespace SvdWeb.Tests.Jobs;

public sealed class QueueOwnerLabelsTests
{
    private static readonly ResolvedRecipe Recipe = SvdRecipe.Defaults.Resolve(ModelPack.Load(Fixtures.TinyPack));

    private static QueueEntry Entry(string ownerId, string ownerName) => new(new Job
    {
        Id = Guid.NewGuid(), OwnerId = ownerId, OwnerName = ownerName, ModelName = "tiny-svd", ModelHash = "", MediaFolder = "", Recipe = Recipe,
        InputFileName = "a.png", InputFile = "input.png", InputSha256 = "",
    }, 1, null);

    [Fact]
    public void For_Anonymised_OthersNumberedInQueueOrderViewerNamed()
    {
        QueueEntry[] entries = [Entry("b", "bob"), Entry("me", "alice"), Entry("c", "carol"), Entry("b", "bob")];

        var labels = QueueOwnerLabels.For(entries, "me", anonymise: true);

        Assert.Equal(["user 1", "alice", "user 2", "user 1"], entries.Select(e => labels[e.Job.Id]));
    }

    [Fact]
    public void For_NotAnonymised_ShowsEveryName()
    {
        QueueEntry[] entries = [Entry("b", "bob"), Entry("me", "alice")];

        var labels = QueueOwnerLabels.For(entries, "me", anonymise: false);

        Assert.Equal(["bob", "alice"], entries.Select(e => labels[e.Job.Id]));
    }
}
