using SvdWeb.Inference;
using SvdWeb.Inference.Models;

namespace SvdWeb.Devices;

/// <summary>
/// A loaded pipeline and the jobs using it. Evicting a pack (removed or changed on disk) retires the pipeline; its ONNX
/// sessions are disposed when the last job using it lets go, never under a running job.
/// </summary>
internal sealed class CachedPipeline(ModelPack pack, SvdPipeline pipeline)
{
    private readonly Lock _gate = new();
    private int _leases;
    private bool _retired, _disposed;

    public ModelPack Pack => pack;

    public SvdPipeline Pipeline => pipeline;

    /// <returns>false once retired: the caller must load the pack again.</returns>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_retired) return false;
            _leases++;
            return true;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _leases--;
            if (!ShouldDispose()) return;
        }
        pipeline.Dispose();
    }

    public void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            if (!ShouldDispose()) return;
        }
        pipeline.Dispose();
    }

    private bool ShouldDispose()
    {
        if (!_retired || _leases > 0 || _disposed) return false;
        _disposed = true;
        return true;
    }
}
