using BenchmarkDotNet.Running;

// Every suite in this assembly is reachable through the switcher, so one suite runs with
// `dotnet run -c Release --project benchmarks/ResourceKit.Benchmarks -- --filter '*Cache*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
