using Microsoft.Extensions.Logging.Abstractions;
using SvdWeb.Inference;
using SvdWeb.Inference.Imaging;
using SvdWeb.Inference.Memory;
using SvdWeb.Inference.Models;
using SvdWeb.Devices;
using SvdWeb.Options;
using SvdWeb.TestSupport;

namespace SvdWeb.Tests.Devices;

/// <summary>Evicting a pack's sessions on the real tiny pack (CPU ONNX Runtime): never under a job that holds them.</summary>
public sealed class PipelineCacheTests : IDisposable
{
    private static readonly SvdRecipe Small = new() { Height = 64, Width = 128, NumFrames = 2, NumInferenceSteps = 1, DecodeChunkSize = 2, Seed = 1 };
    private readonly string _data = Directory.CreateTempSubdirectory("svdweb-cache-").FullName;
    private readonly PipelineCache _cache;
    private readonly ModelPack _pack = ModelPack.Load(Fixtures.TinyPack);
    private readonly RgbImage _image = ImageLoader.Load(Fixtures.Image("logo_128x64.png"), new ImageLimits(1 << 20, 1 << 20));

    public PipelineCacheTests()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new SvdWebOptions { IntraOpNumThreads = 1, DataFolder = _data });
        var environment = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = _data };
        _cache = new PipelineCache(options, new Storage.MediaStore(options, environment), NullLoggerFactory.Instance);
    }

    [Fact]
    public async Task Evict_WhileLeased_RunsOnThenDisposedOnRelease()
    {
        var ct = TestContext.Current.CancellationToken;
        var lease = await _cache.GetAsync(_pack, "cpu", ct);
        var evicted = lease.Pipeline;

        Assert.Equal(1, _cache.Evict(_pack.Folder));

        Assert.Null(_cache.LoadedProvider(_pack));
        var result = await evicted.RunAsync(_image, Small.Resolve(evicted.Pack), null, ct);
        Assert.Equal(2, Assert.Single(result.Videos).NumFrames);
        lease.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => evicted.RunAsync(_image, Small.Resolve(evicted.Pack), null, ct));
    }

    [Fact]
    public async Task GetAsync_AfterEvict_LoadsAfresh()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var first = await _cache.GetAsync(_pack, "cpu", ct))
        {
            _cache.Evict(_pack.Folder);
            using var second = await _cache.GetAsync(_pack, "cpu", ct);

            Assert.NotSame(first.Pipeline, second.Pipeline);
            Assert.NotNull(_cache.LoadedProvider(_pack));
        }
        Assert.Equal(0, _cache.Evict("/no/such/pack"));
    }

    [Fact]
    public async Task GetAsync_OtherMemoryOptions_ReplacesThePacksPipelineOnThatDevice()
    {
        var ct = TestContext.Current.CancellationToken;
        var plainLease = await _cache.GetAsync(_pack, "cpu", MemoryOptions.None, ct);
        var plain = plainLease.Pipeline;

        using (var lowMemory = await _cache.GetAsync(_pack, "cpu", new MemoryOptions(ModelCpuOffload: true, ForwardChunking: true), ct))
        {
            Assert.NotSame(plain, lowMemory.Pipeline);
            // The plain pipeline is retired: a job still holding it finishes, then its sessions go.
            var result = await plain.RunAsync(_image, Small.Resolve(plain.Pack), null, ct);
            Assert.Equal(2, Assert.Single(result.Videos).NumFrames);
            plainLease.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => plain.RunAsync(_image, Small.Resolve(plain.Pack), null, ct));
            Assert.Equal(2, Assert.Single((await lowMemory.Pipeline.RunAsync(_image, Small.Resolve(lowMemory.Pipeline.Pack), null, ct)).Videos).NumFrames);
        }

        using var again = await _cache.GetAsync(_pack, "cpu", new MemoryOptions(true, true), ct);
        Assert.Equal(1, _cache.Evict(_pack.Folder));
    }

    public void Dispose()
    {
        _cache.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
