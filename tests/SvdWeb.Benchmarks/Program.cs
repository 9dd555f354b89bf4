using BenchmarkDotNet.Running;
using SvdWeb.Benchmarks.Pipeline;
using SvdWeb.Benchmarks.Queue;

namespace SvdWeb.Benchmarks;

/// <summary>
/// "pipeline [threads]" prints the end-to-end report of the tiny pack, "queue [jobs] [owners]" the database queue's
/// claims, throughput and progress latency; anything else goes to BenchmarkDotNet. A named class, not top-level
/// statements: the app's own entry point (global <c>Program</c>, referenced for the queue benchmark) has that name.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["pipeline", .. var rest]) return await TinyPipelineReport.RunAsync(rest);
        if (args is ["queue", .. var queueArgs]) return await QueueReport.RunAsync(queueArgs);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
