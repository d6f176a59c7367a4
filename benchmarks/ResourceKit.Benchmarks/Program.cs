using BenchmarkDotNet.Running;
using ResourceKit.Benchmarks.Caching.Replay;

// `replay` replays the shared cache traces through every cache and prints hit ratios:
// `dotnet run -c Release --project benchmarks/ResourceKit.Benchmarks -- replay [--traces DIR] [--max-requests N] [--trace NAME] [--relabel N]`.
if (args.Length > 0 && args[0] == "replay")
{
    return TraceReplay.Run(args[1..]);
}

// Every suite in this assembly is reachable through the switcher, so one suite runs with
// `dotnet run -c Release --project benchmarks/ResourceKit.Benchmarks -- --filter '*Cache*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
