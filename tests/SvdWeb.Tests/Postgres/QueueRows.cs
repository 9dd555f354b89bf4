using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SvdWeb.Gallery;
using SvdWeb.Inference;
using SvdWeb.Inference.Models;
using SvdWeb.TestSupport;
using SvdWeb.Jobs;

namespace SvdWeb.Tests.Postgres;

/// <summary>Waiting jobs written straight into a gallery database, as a web node stores them, for claim tests.</summary>
internal static class QueueRows
{
    private static readonly ResolvedRecipe Recipe = SvdRecipe.Defaults.Resolve(ModelPack.Load(Fixtures.TinyPack));

    public static async Task<Guid> AddAsync(IServiceProvider services, string owner, CancellationToken ct, string pack = "tiny-svd", string? packHash = null)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var id = Guid.NewGuid();
        db.Jobs.Add(new Job
        {
            Id = id,
            CreatedUtc = DateTime.UtcNow,
            Status = JobStatus.Queued,
            QueueOrder = await QueuePlan.NextOrderAsync(db, ct),
            OwnerId = owner,
            OwnerName = owner,
            ModelName = pack,
            ModelHash = packHash ?? new string('0', 64),
            Recipe = Recipe,
            MediaFolder = id.ToString("N"),
            InputFileName = "input.png",
            InputFile = "input.png",
            InputSha256 = new string('0', 64),
        });
        await db.SaveChangesAsync(ct);
        return id;
    }

    public static async Task<Job> GetAsync(IServiceProvider services, Guid id, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().SingleAsync(g => g.Id == id, ct);
    }

    public static async Task<IReadOnlyList<Guid>> PlannedOrderAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        return (await QueuePlan.LoadAsync(db, ct)).PlannedOrder();
    }

    /// <summary>
    /// Claims until nothing is left with <paramref name="workers"/> claimers at once, each in a loop as a worker's;
    /// every claim's job in the order the claims were numbered (ClaimSeq).
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> ClaimAllAsync(IReadOnlyList<IServiceProvider> nodes, int workers, CancellationToken ct)
    {
        var claimed = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var claims = nodes[w % nodes.Count].GetRequiredService<JobClaims>();
            while (await claims.ClaimNextAsync($"test:{w}", ct) is { } job) claimed.Add(job.Id);
        }, ct)));
        await using var db = await nodes[0].GetRequiredService<IDbContextFactory<GalleryDbContext>>().CreateDbContextAsync(ct);
        var order = await db.Jobs.AsNoTracking().Where(g => g.ClaimSeq != null).OrderBy(g => g.ClaimSeq).Select(g => g.Id).ToListAsync(ct);
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
        Assert.Equal(claimed.Order(), order.Order());
        return order;
    }
}
