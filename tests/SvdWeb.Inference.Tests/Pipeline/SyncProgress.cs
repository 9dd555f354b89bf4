namespace SvdWeb.Inference.Tests.Pipeline;

/// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
internal sealed class SyncProgress(Action<SvdProgress> report) : IProgress<SvdProgress>
{
    public void Report(SvdProgress value) => report(value);
}
