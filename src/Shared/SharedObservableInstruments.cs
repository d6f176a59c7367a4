using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace ResourceKit.Diagnostics;

/// <summary>
/// Compiled into each package that needs it (the packages reference no common assembly).
/// One set of observable instruments per meter for every live component of one kind (every pool, say), each component
/// reporting under its own tag. A meter from an <see cref="IMeterFactory"/> is shared and outlives the components that
/// use it, and an instrument cannot be removed from a meter: instruments created per component would keep every
/// disposed component (through its callbacks) and its instruments alive for the life of the host. Here a component
/// registers on creation and unregisters on disposal, and only the instruments themselves are long-lived.
/// </summary>
/// <typeparam name="TSnapshot">The component kind's statistics; one instrument set per kind and meter.</typeparam>
internal sealed class SharedObservableInstruments<TSnapshot>
{
    // Keyed weakly by meter: the set lives exactly as long as the meter it created instruments on.
    private static readonly ConditionalWeakTable<Meter, SharedObservableInstruments<TSnapshot>> ByMeter = [];
    private static readonly Lock CreationLock = new();

    private readonly ConcurrentDictionary<Registration, byte> _sources = new();

    private SharedObservableInstruments()
    {
    }

    /// <summary>Adds a component to its kind's instruments on <paramref name="meter"/>, creating them on first use.</summary>
    /// <param name="meter">The meter the instruments live on.</param>
    /// <param name="snapshot">Reads the component's statistics when a listener collects.</param>
    /// <param name="tag">Identifies the component in every measurement.</param>
    /// <param name="createInstruments">Creates the kind's instruments; runs once per meter.</param>
    /// <returns>Removes the component from the instruments when disposed.</returns>
    public static IDisposable Register(
        Meter meter,
        Func<TSnapshot> snapshot,
        KeyValuePair<string, object?> tag,
        Action<Meter, SharedObservableInstruments<TSnapshot>> createInstruments)
    {
        SharedObservableInstruments<TSnapshot>? instruments;
        lock (CreationLock)
        {
            // Not GetValue: its factory can run twice under a race, which would create the instruments twice.
            if (!ByMeter.TryGetValue(meter, out instruments))
            {
                instruments = new SharedObservableInstruments<TSnapshot>();
                createInstruments(meter, instruments);
                ByMeter.Add(meter, instruments);
            }
        }

        var registration = new Registration(instruments, snapshot, tag);
        instruments._sources.TryAdd(registration, 0);
        return registration;
    }

    /// <summary>Reads one value from every registered component, each under its tag.</summary>
    /// <typeparam name="T">The measurement type.</typeparam>
    /// <param name="select">Picks the value from a component's statistics.</param>
    /// <returns>One measurement per live component.</returns>
    public IEnumerable<Measurement<T>> Observe<T>(Func<TSnapshot, T> select)
        where T : struct
    {
        var measurements = new List<Measurement<T>>();
        foreach (var source in _sources.Keys)
        {
            measurements.Add(new Measurement<T>(select(source.Snapshot()), source.Tag));
        }

        return measurements;
    }

    /// <summary>Reads several values from every registered component (one per cause, say), each under its tag and more.</summary>
    /// <typeparam name="T">The measurement type.</typeparam>
    /// <param name="append">Adds a component's measurements given its statistics and tag.</param>
    /// <returns>The measurements of every live component.</returns>
    public IEnumerable<Measurement<T>> ObserveMany<T>(Action<TSnapshot, KeyValuePair<string, object?>, List<Measurement<T>>> append)
        where T : struct
    {
        var measurements = new List<Measurement<T>>();
        foreach (var source in _sources.Keys)
        {
            append(source.Snapshot(), source.Tag, measurements);
        }

        return measurements;
    }

    private sealed class Registration(SharedObservableInstruments<TSnapshot> owner, Func<TSnapshot> snapshot, KeyValuePair<string, object?> tag) : IDisposable
    {
        public Func<TSnapshot> Snapshot { get; } = snapshot;

        public KeyValuePair<string, object?> Tag { get; } = tag;

        public void Dispose() => owner._sources.TryRemove(this, out _);
    }
}
