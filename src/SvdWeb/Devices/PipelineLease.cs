using SvdWeb.Inference;

namespace SvdWeb.Devices;

/// <summary>A job's hold on a cached pipeline: while held, evicting its pack does not dispose the sessions under the job.</summary>
public sealed class PipelineLease : IDisposable
{
    private CachedPipeline? _cached;

    internal PipelineLease(CachedPipeline cached) => _cached = cached;

    public SvdPipeline Pipeline => (_cached ?? throw new ObjectDisposedException(nameof(PipelineLease))).Pipeline;

    public void Dispose() => Interlocked.Exchange(ref _cached, null)?.Release();
}
