using System.Diagnostics.Metrics;

namespace ResourceKit.Cost.Tests.Diagnostics;

/// <summary>
/// Creates meters scoped to this factory, so a <c>MetricCollector</c> given the factory as its scope sees only the
/// instruments of the ledger under test, not those of other ledgers alive in the process.
/// </summary>
internal sealed class ScopedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
