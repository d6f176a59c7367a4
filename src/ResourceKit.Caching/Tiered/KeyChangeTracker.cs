namespace ResourceKit.Caching;

/// <summary>
/// Counts writes, removals and invalidations per key, for the keys someone is watching or changing. A read of a slower
/// tier (or a factory run) watches its key: its copy upward is skipped, or undone, when a change of that key happened
/// or was in progress meanwhile, because the bytes it read may predate a removal or a newer value (a Redis GET answered
/// before a DEL). Only changes of the same key count, so a slow write of one key (a Redis set and publish taking a
/// second each) never suppresses promotions or factory results of other keys.
/// </summary>
/// <remarks>
/// A key's state exists only while it is watched or changing (reference counted), so memory follows the reads and
/// writes in progress, not the number of keys ever seen. A resync of the backplane changes every key at once (an epoch).
/// </remarks>
internal sealed class KeyChangeTracker
{
    private const int StripeCount = 64;
    private readonly Stripe[] _stripes = [.. Enumerable.Range(0, StripeCount).Select(_ => new Stripe())];
    private long _epoch;

    /// <summary>Gets the number of keys watched or changing now (for tests: it returns to zero when they end).</summary>
    public int TrackedKeys => _stripes.Sum(static s =>
    {
        lock (s.Lock)
        {
            return s.Keys.Count;
        }
    });

    /// <summary>
    /// Starts watching <paramref name="key"/>; dispose the watch when done. A watch taken while a change of the key is in
    /// progress never reports the key unchanged: checking the count alone would miss a read that began after the
    /// change started but read a slower tier before the change reached it.
    /// </summary>
    public KeyWatch Watch(string key)
    {
        var epoch = Volatile.Read(ref _epoch);
        var stripe = StripeFor(key);
        lock (stripe.Lock)
        {
            var state = stripe.Acquire(key);
            return new KeyWatch(this, key, state, state.InProgress == 0 ? state.Version : -1, epoch);
        }
    }

    /// <summary>Marks the start of a change of <paramref name="key"/>; pair with <see cref="End"/> after its last tier operation.</summary>
    public void Begin(string key)
    {
        var stripe = StripeFor(key);
        lock (stripe.Lock)
        {
            var state = stripe.Acquire(key);
            state.InProgress++;
            state.Version++;
        }
    }

    /// <summary>Marks the end of a change that <see cref="Begin"/> started.</summary>
    public void End(string key)
    {
        var stripe = StripeFor(key);
        lock (stripe.Lock)
        {
            var state = stripe.Keys[key];
            state.Version++;
            state.InProgress--;
            stripe.Release(key, state);
        }
    }

    /// <summary>Counts a change of every key, for example after the backplane missed invalidations.</summary>
    public void MarkAllChanged() => Interlocked.Increment(ref _epoch);

    /// <summary>Whether the watched key saw no change but <paramref name="ownChanges"/> of the watcher's own since the watch began.</summary>
    internal bool IsUnchanged(in KeyWatch watch, int ownChanges)
    {
        if (watch.Version < 0 || Volatile.Read(ref _epoch) != watch.Epoch)
        {
            return false;
        }

        var stripe = StripeFor(watch.Key);
        lock (stripe.Lock)
        {
            return watch.State.InProgress == 0 && watch.State.Version == watch.Version + (2L * ownChanges);
        }
    }

    internal void Release(string key, KeyState state)
    {
        var stripe = StripeFor(key);
        lock (stripe.Lock)
        {
            stripe.Release(key, state);
        }
    }

    private Stripe StripeFor(string key) => _stripes[key.GetHashCode(StringComparison.Ordinal) & (StripeCount - 1)];

    /// <summary>One key's counters; guarded by its stripe's lock.</summary>
    internal sealed class KeyState
    {
        public int References;
        public int InProgress;
        public long Version;
    }

    private sealed class Stripe
    {
        public readonly Lock Lock = new();
        public readonly Dictionary<string, KeyState> Keys = new(StringComparer.Ordinal);

        public KeyState Acquire(string key)
        {
            if (!Keys.TryGetValue(key, out var state))
            {
                state = new KeyState();
                Keys.Add(key, state);
            }

            state.References++;
            return state;
        }

        public void Release(string key, KeyState state)
        {
            if (--state.References == 0)
            {
                Keys.Remove(key);
            }
        }
    }
}
