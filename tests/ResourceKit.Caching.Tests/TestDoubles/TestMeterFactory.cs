using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ResourceKit.Caching.Tests.TestDoubles;

/// <summary>Creates meters a test can tell apart from every other test's, and records their measurements.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];
    private readonly MeterListener _listener = new();

    public TestMeterFactory()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            lock (_meters)
            {
                if (_meters.Contains(instrument.Meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<(string Name, long Value, string? Tier)> Measurements { get; } = new();

    public long Sum(string name, string? tier = null) =>
        Measurements.Where(m => m.Name == name && (tier is null || m.Tier == tier)).Sum(m => m.Value);

    public void Observe()
    {
        Measurements.Clear();
        _listener.RecordObservableInstruments();
    }

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        _listener.Dispose();
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? tier = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "tier")
            {
                tier = tag.Value as string;
            }
        }

        Measurements.Enqueue((instrument.Name, value, tier));
    }
}
