using System.Diagnostics;
using System.Globalization;
using ResourceKit.Scheduling;

namespace ResourceKit.Benchmarks.Scheduling;

/// <summary>A CPU reading of zero, so admission control never sheds benchmark work on a busy machine.</summary>
internal sealed class IdleCpuSource : ICpuUtilizationSource
{
    public double SampleUtilization() => 0;
}

/// <summary>Collects latency samples (Stopwatch ticks) and prints percentiles, since BenchmarkDotNet reports per-iteration means.</summary>
internal sealed class LatencySamples
{
    private readonly Lock _gate = new();
    private readonly List<long> _ticks = new(1 << 16);

    public void Add(long ticks)
    {
        lock (_gate)
        {
            if (_ticks.Count < 2_000_000)
            {
                _ticks.Add(ticks);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _ticks.Clear();
        }
    }

    public string Describe(string label)
    {
        lock (_gate)
        {
            if (_ticks.Count == 0)
            {
                return label + ": no samples";
            }

            var sorted = _ticks.Order().ToArray();
            double Us(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)] * 1_000_000.0 / Stopwatch.Frequency;
            return string.Format(CultureInfo.InvariantCulture, "{0}: n={1} p50={2:F1} us p99={3:F1} us mean={4:F1} us", label, sorted.Length, Us(0.50), Us(0.99), sorted.Average() * 1_000_000.0 / Stopwatch.Frequency);
        }
    }
}
