using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResourceKit.Caching.Compression;
using ResourceKit.Caching.Serialization;

namespace ResourceKit.Caching;

/// <summary>
/// A cache over up to three tiers: L1 in memory (<see cref="TinyLfuCache{TKey, TValue}"/>), L2 on local disk and
/// L3 in a distributed store. Reads go L1 → L2 → L3 → factory and copy a value found in a slower tier into the
/// faster tiers its policy allows; writes go to every tier the policy names. One factory runs per key per process
/// at a time, whatever the number of concurrent callers.
/// </summary>
/// <remarks>
/// Keys are prefixed with <c>{ApplicationName}:{TenantId}:</c> in the shared tiers. Options are read once, at construction. L1 holds live objects (callers must
/// not mutate a cached object); L2 and L3 hold serialized, compressed bytes. L3 failures never reach the caller:
/// they are logged, counted and, past a failure ratio, stop L3 calls for a while (circuit breaker). A write or
/// removal that missed L3 or the backplane is replayed, as a removal, once they are back.
/// </remarks>
public sealed partial class TieredCache : IDisposable
{
    private readonly TieredCacheOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TinyLfuCache<string, MemoryEntry> _memory;
    private readonly IBinaryCacheStore? _disk;
    private readonly IBinaryCacheStore? _distributed;
    private readonly ICacheBackplane? _backplane;
    private readonly IDisposable? _subscription;
    private readonly ICacheSerializer _serializer;
    private readonly PayloadCompressor _compressor;
    private readonly DistributedTierGuard? _guard;
    private readonly DistributedRecoveryQueue? _recovery;
    private readonly TieredCacheMetrics _metrics;
    private readonly ConcurrentDictionary<(string Key, Type Type), object> _flights = new();
    private readonly FrozenDictionary<string, CachePolicy> _policies;
    private readonly CachePolicy _defaultPolicy;
    private readonly string _keyPrefix;
    private readonly long _failSafeMilliseconds;
    private bool _disposed;

    /// <summary>Creates a tiered cache over the given lower tiers.</summary>
    /// <param name="options">The options; validated here, every error listed at once.</param>
    /// <param name="disk">The L2 store (usually a <c>DiskCacheStore</c>); <see langword="null"/> for none. Not owned.</param>
    /// <param name="distributed">The L3 store (usually a <c>RedisCacheStore</c>); <see langword="null"/> for none. Not owned.</param>
    /// <param name="backplane">Carries invalidations to other hosts; <see langword="null"/> for none. Not owned.</param>
    /// <param name="serializer">The serializer for L2 and L3; System.Text.Json when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for every expiry and the circuit breaker.</param>
    /// <param name="logger">Receives warnings about skipped tiers and fail-safe returns.</param>
    /// <param name="meterFactory">Creates the <c>ResourceKit.Caching</c> meter.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TieredCache(
        TieredCacheOptions options,
        IBinaryCacheStore? disk = null,
        IBinaryCacheStore? distributed = null,
        ICacheBackplane? backplane = null,
        ICacheSerializer? serializer = null,
        TimeProvider? timeProvider = null,
        ILogger<TieredCache>? logger = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new TieredCacheOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new ArgumentException($"Invalid TieredCacheOptions: {validation.FailureMessage}", nameof(options));
        }

        _options = options;
        _policies = options.Policies.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _defaultPolicy = _policies[options.DefaultPolicy];
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _disk = disk;
        _distributed = distributed;
        _backplane = backplane;
        _serializer = serializer ?? new SystemTextJsonCacheSerializer();
        _compressor = new PayloadCompressor(options.Compression, options.CompressionThresholdBytes, options.CompressionLevel);
        _keyPrefix = $"{options.ApplicationName}:{options.TenantId}:";
        _failSafeMilliseconds = options.EnableFailSafe ? (long)options.FailSafeMaxDuration.TotalMilliseconds : 0;
        _metrics = new TieredCacheMetrics(meterFactory, _keyPrefix.TrimEnd(':'), () => CircuitState, () => _recovery?.Count ?? 0);
        if (distributed is not null || backplane is not null)
        {
            // A pass starts as soon as the circuit closes again, and otherwise every break duration (when an open
            // circuit lets a trial call through).
            _guard = new DistributedTierGuard(options, _timeProvider, _metrics, _logger, onClosed: () => _recovery?.ReplaySoon());
            if (options.RecoveryCapacity > 0)
            {
                _recovery = new DistributedRecoveryQueue(options.RecoveryCapacity, options.CircuitBreakDuration, ReplayChangeAsync, _timeProvider, _metrics, _logger);
            }
        }

        _memory = new TinyLfuCache<string, MemoryEntry>(new TinyLfuCacheOptions<string, MemoryEntry>(options.Memory) { KeyComparer = StringComparer.Ordinal }, _timeProvider, meterFactory);
        // A host that was down missed every invalidation meanwhile: its disk copies of shared values are not trusted
        // until rewritten, exactly as after a reconnection (see WrittenBeforeResync).
        if (backplane is not null)
        {
            _lastResyncUnixMs = NowMilliseconds;
        }

        _subscription = backplane?.Subscribe(OnInvalidation);
    }

    /// <summary>Gets the number of keys whose changes are tracked now (reads or writes in progress); for tests.</summary>
    internal int TrackedChangeKeys => _changeTracker.TrackedKeys;

    /// <summary>Gets the prefix of every key in every tier: <c>{ApplicationName}:{TenantId}:</c>.</summary>
    public string KeyPrefix => _keyPrefix;

    /// <summary>Gets the state of the circuit breaker in front of the distributed tier.</summary>
    public CacheCircuitState CircuitState => _guard?.State ?? CacheCircuitState.NotConfigured;

    /// <summary>Gets a snapshot of the counters.</summary>
    public TieredCacheStatistics Statistics => _metrics.Snapshot(CircuitState, _recovery?.Count ?? 0);

    /// <summary>Returns the policy registered under <paramref name="policyName"/>, or the default policy.</summary>
    /// <param name="policyName">A key of <see cref="TieredCacheOptions.Policies"/>; <see langword="null"/> for the default.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentException">No policy has that name.</exception>
    public CachePolicy GetPolicy(string? policyName = null) =>
        policyName is null ? _defaultPolicy
        : _policies.TryGetValue(policyName, out var policy) ? policy
        : throw new ArgumentException($"No cache policy is named '{policyName}'. Known policies: {string.Join(", ", _policies.Keys)}.", nameof(policyName));

    /// <summary>Returns the cached value for <paramref name="key"/>, or runs <paramref name="factory"/> once and caches its result.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key, without the application and tenant prefix.</param>
    /// <param name="factory">Produces the value when no tier has it; its exceptions reach the caller (unless fail-safe applies).</param>
    /// <param name="policyName">The policy that decides tiers and lifetime; <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; the factory is cancelled only once every waiting caller has cancelled.</param>
    /// <returns>The value.</returns>
    public ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, string? policyName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);

        // The L1 hit completes synchronously without an async state machine; session values take the slow path to renew.
        return !policy.Session && TryReadMemory<T>(entryKey, policy, out var hit, out _)
            ? new ValueTask<T>(hit.Value)
            : ValueOf(GetOrCreateSlowAsync(entryKey, policy, factory, static (f, ct) => f(ct), memoryChecked: !policy.Session, cancellationToken));

        static async ValueTask<T> ValueOf(ValueTask<CacheResult<T>> entry) => (await entry.ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// <see cref="GetOrCreateAsync{T}(string, Func{CancellationToken, ValueTask{T}}, string?, CancellationToken)"/> with two
    /// controls for in-assembly callers (the chat client):
    /// <paramref name="countMisses"/> is false when the caller has just looked the key up with
    /// <see cref="TryGetAsync{T}"/> and missed, so one request is one miss in the statistics; and
    /// <paramref name="cacheable"/>, when given, decides whether a value the factory produced is stored at all (the
    /// callers get it either way).
    /// </summary>
    internal ValueTask<T> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T>> factory, string? policyName, bool countMisses, Func<T, bool>? cacheable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);
        return !policy.Session && TryReadMemory<T>(entryKey, policy, out var hit, out _, countMiss: countMisses)
            ? new ValueTask<T>(hit.Value)
            : ValueOf(GetOrCreateSlowAsync(entryKey, policy, factory, static (f, ct) => f(ct), memoryChecked: !policy.Session, cancellationToken, countMisses, cacheable));

        static async ValueTask<T> ValueOf(ValueTask<CacheResult<T>> entry) => (await entry.ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// Returns the cached value for <paramref name="key"/> with where it came from, or runs <paramref name="factory"/>
    /// once and caches its result. When fail-safe is on and the factory throws, an expired value is returned marked stale.
    /// </summary>
    /// <typeparam name="TState">The state passed to the factory, to avoid a closure.</typeparam>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key, without the application and tenant prefix.</param>
    /// <param name="state">Passed to <paramref name="factory"/>.</param>
    /// <param name="factory">Produces the value when no tier has it.</param>
    /// <param name="policyName">The policy; <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The value and its source.</returns>
    public ValueTask<CacheResult<T>> GetOrCreateEntryAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        string? policyName = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);
        return GetOrCreateSlowAsync(entryKey, policy, state, factory, memoryChecked: false, cancellationToken);
    }

    private async ValueTask<CacheResult<T>> GetOrCreateSlowAsync<TState, T>(
        TieredKey entryKey,
        CachePolicy policy,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        bool memoryChecked,
        CancellationToken cancellationToken,
        bool countMisses = true,
        Func<T, bool>? cacheable = null)
    {
        if (!memoryChecked)
        {
            var cached = await ReadMemoryAsync<T>(entryKey, policy, cancellationToken, countMisses).ConfigureAwait(false);
            if (cached.HasValue)
            {
                return cached;
            }
        }

        var id = (entryKey.Local, typeof(T));
        Flight<T> flight;
        while (true)
        {
            var found = _flights.TryGetValue(id, out var existing);
            if (found && ((Flight<T>)existing!).TryJoin())
            {
                flight = (Flight<T>)existing!;
                break;
            }

            // A closed flight can stay in the map long after every caller left, for as long as its factory ignores
            // the cancellation; replace it rather than wait (spin) for its removal. RunFlightAsync removes only its
            // own flight, so the replacement survives the old one finishing.
            var created = new Flight<T>();
            if (found ? _flights.TryUpdate(id, created, existing!) : _flights.TryAdd(id, created))
            {
                flight = created;
                _ = RunFlightAsync(flight, id, entryKey, policy, state, factory, countMisses, cacheable);
                break;
            }
        }

        try
        {
            return await flight.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            flight.Leave();
            throw;
        }
    }

    /// <summary>Reads <paramref name="key"/> from the tiers of its policy without running any factory.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key, without the prefix.</param>
    /// <param name="policyName">The policy; <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value and its tier, or a result whose <see cref="CacheResult{T}.HasValue"/> is <see langword="false"/>.</returns>
    public async ValueTask<CacheResult<T>> TryGetAsync<T>(string key, string? policyName = null, CancellationToken cancellationToken = default)
    {
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);
        var cached = await ReadMemoryAsync<T>(entryKey, policy, cancellationToken).ConfigureAwait(false);
        if (cached.HasValue)
        {
            return cached;
        }

        var lookup = await ReadLowerTiersAsync<T>(entryKey, policy, cancellationToken).ConfigureAwait(false);
        if (!lookup.Result.HasValue)
        {
            _metrics.MissedEverywhere();
        }

        return lookup.Result;
    }

    /// <summary>Writes <paramref name="value"/> to every tier of its policy and tells other hosts to drop their copies.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="key">The key, without the prefix.</param>
    /// <param name="value">The value.</param>
    /// <param name="policyName">The policy; <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the value is written.</returns>
    public async ValueTask SetAsync<T>(string key, T value, string? policyName = null, CancellationToken cancellationToken = default)
    {
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);
        BeginChange(entryKey);
        try
        {
            await WriteAsync(entryKey, value, policy, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndChange(entryKey);
        }
    }

    /// <summary>Removes <paramref name="key"/> from every tier and tells other hosts to drop their copies.</summary>
    /// <param name="key">The key, without the prefix.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the value is gone from every reachable tier.</returns>
    /// <remarks>
    /// When L3 or the backplane cannot be reached, the removal still completes here; the key is remembered and removed
    /// from L3 and announced once they answer again (see <see cref="TieredCacheOptions.RecoveryCapacity"/>). Writes
    /// that miss the shared tiers are recovered the same way.
    /// </remarks>
    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entryKey = new TieredKey(key, _keyPrefix);
        BeginChange(entryKey);
        try
        {
            // Local copies go whatever the token does, so that a cancelled removal is never half done on this host.
            await DropLocalCopiesAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
            if (_guard is not null)
            {
                await ShareChangeAsync(entryKey.Full, "remove", _distributed, static (store, key, ct) => RemoveAndReturnAsync(store!, key, ct), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            EndChange(entryKey);
        }
    }

    /// <summary>Drops a fraction of the L1 entries, coldest first, for example under memory pressure.</summary>
    /// <param name="fraction">The fraction of L1's weight to drop, from 0 to 1.</param>
    /// <returns>The weight removed.</returns>
    public long TrimMemory(double fraction) => _memory.Trim(fraction);

    /// <summary>Drops every L1 entry; L2 and L3 keep theirs.</summary>
    public void ClearMemory() => _memory.Clear();

    /// <summary>Gets the capacity of the in-memory tier (entries, or weight when a weigher is configured).</summary>
    public long MemoryCapacity => _memory.Capacity;

    /// <summary>Changes the capacity of the in-memory tier at run time, for example from a self-optimization loop.</summary>
    /// <param name="capacity">The new capacity; greater than zero.</param>
    public void ResizeMemory(long capacity) => _memory.Resize(capacity);

    /// <summary>Stops listening to the backplane and releases L1; the lower tiers are not owned and stay open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _recovery?.Dispose();
        _subscription?.Dispose();
        _memory.Dispose();
        _metrics.Dispose();
    }

    private (TieredKey Key, CachePolicy Policy) Prepare(string key, string? policyName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var policy = GetPolicy(policyName);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (new TieredKey(key, _keyPrefix), policy);
    }

    private async Task RunFlightAsync<TState, T>(Flight<T> flight, (string, Type) id, TieredKey entryKey, CachePolicy policy, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, bool countMisses, Func<T, bool>? cacheable)
    {
        CacheResult<T> result = default;
        Exception? failure = null;
        try
        {
            result = await LookupOrCreateAsync(entryKey, policy, state, factory, countMisses, cacheable, flight.Cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            flight.Close();
            _flights.TryRemove(new KeyValuePair<(string, Type), object>(id, flight));
        }

        if (failure is null)
        {
            flight.Completion.TrySetResult(result);
        }
        else if (failure is OperationCanceledException canceled)
        {
            flight.Completion.TrySetCanceled(canceled.CancellationToken);
        }
        else
        {
            flight.Completion.TrySetException(failure);
        }
    }

    private async ValueTask<CacheResult<T>> LookupOrCreateAsync<TState, T>(TieredKey entryKey, CachePolicy policy, TState state, Func<TState, CancellationToken, ValueTask<T>> factory, bool countMisses, Func<T, bool>? cacheable, CancellationToken cancellationToken)
    {
        // Taken before anything is read: a Set, Remove or invalidation of the key while the factory runs may carry a
        // newer value than the one the factory read from its source.
        using var changes = WatchChanges(entryKey);
        // A caller that finished just before this flight started may have filled L1 already. The caller that started
        // the flight has counted its L1 miss.
        if (TryReadMemory<T>(entryKey, policy, out var cached, out var memoryStale, countMiss: false))
        {
            return new CacheResult<T>(cached.Value, CacheValueSource.Memory);
        }

        var lookup = await ReadLowerTiersAsync<T>(entryKey, policy, cancellationToken, countMisses).ConfigureAwait(false);
        if (lookup.Result.HasValue)
        {
            return lookup.Result;
        }

        if (countMisses)
        {
            _metrics.MissedEverywhere();
        }

        T value;
        try
        {
            _metrics.FactoryRan();
            value = await factory(state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && _options.EnableFailSafe && (memoryStale.HasValue || lookup.HasStale))
        {
            LogFailSafe(_logger, entryKey.Full, ex);
            _metrics.FailSafeReturned();
            return new CacheResult<T>(memoryStale.HasValue ? memoryStale.Value : lookup.Stale!, CacheValueSource.FailSafe);
        }

        // Every caller left and the factory ignored the cancellation: nobody waits for this value and a newer flight
        // may already have stored a fresher one, so it is not written.
        cancellationToken.ThrowIfCancellationRequested();
        if (cacheable is null || cacheable(value))
        {
            // When the key changed while the factory ran, its callers get the value and the tiers keep the change.
            await StoreIfUnchangedAsync(entryKey, value, policy, changes, cancellationToken).ConfigureAwait(false);
        }

        return new CacheResult<T>(value, CacheValueSource.Factory);
    }

    /// <summary>
    /// Stores a value computed from what was read while <paramref name="changes"/> watched the key (a factory's result, a
    /// completed stream), unless the key changed meanwhile: a Set, Remove or invalidation since may carry a newer value.
    /// </summary>
    /// <returns><see langword="true"/> if the value was written.</returns>
    private async ValueTask<bool> StoreIfUnchangedAsync<T>(TieredKey entryKey, T value, CachePolicy policy, KeyWatch changes, CancellationToken cancellationToken)
    {
        if (!changes.Unchanged)
        {
            return false;
        }

        BeginChange(entryKey);
        try
        {
            await WriteAsync(entryKey, value, policy, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndChange(entryKey);
        }

        if (!changes.UnchangedExcept(ownChanges: 1))
        {
            // Another change of the key overlapped this write and which landed last in each tier is unknown: removing
            // the key everywhere is always correct (at worst the next read recomputes it).
            await DropLocalCopiesAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
            if (IsDistributed(policy))
            {
                await ShareChangeAsync(entryKey.Full, "remove", _distributed!, static (store, key, ct) => RemoveAndReturnAsync(store, key, ct), CancellationToken.None).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>Watches <paramref name="key"/> (without the prefix) for changes, for a write that must not override one (see <see cref="SetIfUnchangedAsync"/>).</summary>
    internal KeyWatch WatchChanges(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return _changeTracker.Watch(key);
    }

    /// <summary>
    /// Writes <paramref name="value"/> like <see cref="SetAsync"/>, unless a write, removal or invalidation of the key
    /// began since <paramref name="changes"/> started watching it (the value may then be older than that change).
    /// </summary>
    internal async ValueTask<bool> SetIfUnchangedAsync<T>(string key, T value, KeyWatch changes, string? policyName, CancellationToken cancellationToken)
    {
        var (entryKey, policy) = Prepare(key, policyName, cancellationToken);
        return await StoreIfUnchangedAsync(entryKey, value, policy, changes, cancellationToken).ConfigureAwait(false);
    }

    private void OnInvalidation(string? invalidatedKey)
    {
        if (_disposed)
        {
            return;
        }

        if (invalidatedKey is null)
        {
            // Disk copies of shared values written until now are not trusted any more either (see WrittenBeforeResync).
            Volatile.Write(ref _lastResyncUnixMs, NowMilliseconds);
            MarkChangedEverywhere();
            var dropped = _memory.RemoveWhere(static (_, entry) => entry.Distributed);
            LogResync(_logger, dropped);
            return;
        }

        // Other tenants of the same application share the channel; their keys are not ours.
        if (!invalidatedKey.StartsWith(_keyPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var entryKey = new TieredKey(invalidatedKey[_keyPrefix.Length..], _keyPrefix);
        _ = DropLocalCopiesAsync(entryKey, CancellationToken.None).AsTask();
    }

    /// <summary>
    /// Drops this host's memory and disk copies of a key: for a removal here, or a change another host announced. A
    /// change in progress until the disk copy is gone (changes nest, so a removal's own change may enclose it).
    /// </summary>
    private async ValueTask DropLocalCopiesAsync(TieredKey entryKey, CancellationToken cancellationToken)
    {
        BeginChange(entryKey);
        try
        {
            _memory.TryRemove(entryKey.Local);
            if (_disk is not null)
            {
                await RemoveFromDiskAsync(entryKey, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            EndChange(entryKey);
        }
    }
}
