using BenchmarkDotNet.Running;
using SvdWeb.Benchmarks.Pipeline;

// "pipeline [threads]" prints the end-to-end report of the tiny pack; anything else goes to BenchmarkDotNet.
if (args is ["pipeline", .. var rest]) return await TinyPipelineReport.RunAsync(rest);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
