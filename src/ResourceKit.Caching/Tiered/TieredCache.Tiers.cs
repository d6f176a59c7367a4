namespace ResourceKit.Caching;

/// <summary>Reading, promoting and writing across the tiers.</summary>
public sealed partial class TieredCache
{
    private long NowMilliseconds => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private TimeSpan TimeToLive(CachePolicy policy) => policy.Session ? _options.SessionTimeToLive : policy.TimeToLive;

    /// <summary>Reads L1; <paramref name="countMiss"/> is false when this request's L1 miss was counted already.</summary>
    private bool TryReadMemory<T>(TieredKey entryKey, CachePolicy policy, out CacheResult<T> fresh, out CacheResult<T> stale, bool countMiss = true)
    {
        fresh = default;
        stale = default;
        if ((policy.Tiers & CacheTiers.Memory) == 0)
        {
            return false;
        }

        if (_memory.TryGet(entryKey.Local, out var entry) && TryCast<T>(entry.Value, out var value))
        {
            // Without fail-safe L1's own expiry is the logical one, so the hit path needs no clock read.
            if (_failSafeMilliseconds == 0 || entry.LogicalExpiresUnixMs > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Memory);
                fresh = new CacheResult<T>(value, CacheValueSource.Memory);
                return true;
            }

            stale = new CacheResult<T>(value, CacheValueSource.FailSafe);
        }

        if (countMiss)
        {
            _metrics.Miss(CacheValueSource.Memory);
        }

        return false;
    }

    /// <summary>
    /// Writes, removals and invalidations per key: a promotion from a slower tier, or a factory result, is skipped (or
    /// undone) when its key changed while the slower tier was read or the factory ran (see <see cref="KeyChangeTracker"/>).
    /// </summary>
    private readonly KeyChangeTracker _changeTracker = new();

    /// <summary>When the backplane last asked for a resync (it reconnected and may have missed invalidations); 0 if never.</summary>
    private long _lastResyncUnixMs;

    /// <summary>
    /// Marks the start of a write, removal or invalidation of <paramref name="key"/>; pair with <see cref="EndChange"/>
    /// after its last tier operation.
    /// </summary>
    private void BeginChange(TieredKey key) => _changeTracker.Begin(key.Local);

    private void EndChange(TieredKey key) => _changeTracker.End(key.Local);

    private void MarkChangedEverywhere() => _changeTracker.MarkAllChanged();

    /// <summary>Watches a key's changes from now on; dispose the watch when done.</summary>
    private KeyWatch WatchChanges(TieredKey key) => _changeTracker.Watch(key.Local);

    /// <summary>
    /// Whether a disk record was written before the last backplane resync (or before this instance started), judged from its logical expiry and
    /// the policy's lifetime (the envelope stores the expiry, not the write time).
    /// </summary>
    private bool WrittenBeforeResync(long logicalExpiresUnixMs, CachePolicy policy)
    {
        var resync = Volatile.Read(ref _lastResyncUnixMs);
        return resync != 0 && logicalExpiresUnixMs - (long)TimeToLive(policy).TotalMilliseconds < resync;
    }

    /// <summary>Reads L2 then L3; <paramref name="countMisses"/> is false when this request's misses were counted already.</summary>
    private async ValueTask<TierLookup<T>> ReadLowerTiersAsync<T>(TieredKey entryKey, CachePolicy policy, CancellationToken cancellationToken, bool countMisses = true)
    {
        using var changes = WatchChanges(entryKey);
        var stale = default(TierLookup<T>);
        if (_disk is not null && (policy.Tiers & CacheTiers.Disk) != 0)
        {
            byte[]? bytes = null;
            try
            {
                bytes = await _disk.GetAsync(entryKey.Full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDiskFailed(_logger, entryKey.Full, ex);
            }

            var found = TryDecode<T>(bytes, entryKey, CacheValueSource.Disk, out var value, out var expires);
            if (found && IsDistributed(policy) && WrittenBeforeResync(expires, policy))
            {
                // A shared value saved before the last backplane resync may have been changed or removed on another
                // host while this one was not listening: Redis decides, and the disk copy goes.
                found = false;
                _ = RemoveFromDiskAsync(entryKey, CancellationToken.None).AsTask();
            }

            if (found && expires > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Disk);
                PromoteIfUnchanged(entryKey, value, expires, policy, changes);
                return new TierLookup<T>(new CacheResult<T>(value, CacheValueSource.Disk), false, default);
            }

            if (countMisses)
            {
                _metrics.Miss(CacheValueSource.Disk);
            }

            stale = found ? new TierLookup<T>(default, true, value) : stale;
        }

        // While this host's change of the key has not reached L3, L3 may still hold the value from before it.
        if (_distributed is not null && (policy.Tiers & CacheTiers.Distributed) != 0 && _recovery?.Contains(entryKey.Full) != true)
        {
            var (_, bytes) = await _guard!.TryExecuteAsync("get", (_distributed, entryKey.Full), static (s, ct) => s._distributed.GetAsync(s.Full, ct), cancellationToken).ConfigureAwait(false);
            var found = TryDecode<T>(bytes, entryKey, CacheValueSource.Distributed, out var value, out var expires);
            if (found && expires > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Distributed);
                // A value written before the last resync would be distrusted on disk (its envelope keeps the writer's
                // time), so copying it there would only be deleted and fetched again on every L1 miss.
                if (_disk is not null && (policy.Tiers & CacheTiers.Disk) != 0 && changes.Unchanged && !WrittenBeforeResync(expires, policy))
                {
                    await WriteDiskAsync(entryKey, bytes!, DateTimeOffset.FromUnixTimeMilliseconds(expires + _failSafeMilliseconds), cancellationToken).ConfigureAwait(false);
                    _metrics.Promoted(CacheValueSource.Disk);
                    if (!changes.Unchanged)
                    {
                        // A write or removal raced the copy: drop it rather than risk keeping the older bytes.
                        await RemoveFromDiskAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
                    }
                }

                PromoteIfUnchanged(entryKey, value, expires, policy, changes);
                return new TierLookup<T>(new CacheResult<T>(value, CacheValueSource.Distributed), false, default);
            }

            if (countMisses)
            {
                _metrics.Miss(CacheValueSource.Distributed);
            }

            stale = found && !stale.HasStale ? new TierLookup<T>(default, true, value) : stale;
        }

        return stale;
    }

    private bool TryDecode<T>(byte[]? bytes, TieredKey entryKey, CacheValueSource tier, out T value, out long logicalExpiresUnixMs)
    {
        value = default!;
        logicalExpiresUnixMs = 0;
        if (bytes is null)
        {
            return false;
        }

        try
        {
            switch (CacheEnvelope.Inspect<T>(bytes, out logicalExpiresUnixMs))
            {
                case CacheEnvelopeStatus.OtherType:
                    // Another caller's value under the same key: not this read's, and not to be deleted for its owner.
                    return false;
                case CacheEnvelopeStatus.OlderFormat:
                    // Written before the envelope named its type, so it cannot be checked; expected after an upgrade.
                    // The disk is this host's own: free the space. Redis is shared with hosts not yet upgraded, which
                    // still read this format: deleting it would empty their cache during a rolling upgrade, so it is
                    // left to be overwritten by a newer write or to expire.
                    if (tier == CacheValueSource.Disk)
                    {
                        RemoveFromTier(entryKey, tier);
                    }

                    return false;
            }

            value = CacheEnvelope.Decode<T>(bytes, _serializer);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A value of an unknown format, damaged in transit, or that the serializer cannot read (its contract
            // changed): drop it from that tier. Any exception counts, because a custom serializer may throw types of its
            // own on bytes it cannot read.
            LogUnreadable(_logger, entryKey.Full, tier == CacheValueSource.Disk ? CacheMeter.DiskTier : CacheMeter.DistributedTier, ex);
            RemoveFromTier(entryKey, tier);
            return false;
        }
    }

    private void RemoveFromTier(TieredKey entryKey, CacheValueSource tier) =>
        _ = tier == CacheValueSource.Disk
            ? RemoveFromDiskAsync(entryKey, CancellationToken.None).AsTask()
            : _guard!.TryExecuteAsync("remove", (_distributed!, entryKey.Full), static (s, ct) => RemoveAndReturnAsync(s.Item1, s.Full, ct), CancellationToken.None).AsTask();

    private void PromoteIfUnchanged<T>(TieredKey entryKey, T value, long logicalExpiresUnixMs, CachePolicy policy, in KeyWatch changes)
    {
        if (!changes.Unchanged)
        {
            return;
        }

        PromoteToMemory(entryKey, value, logicalExpiresUnixMs, policy);
        if (!changes.Unchanged)
        {
            // A write or removal landed between the check and the copy; the copy may be older than what it wrote.
            _memory.TryRemove(entryKey.Local);
        }
    }

    private void PromoteToMemory<T>(TieredKey entryKey, T value, long logicalExpiresUnixMs, CachePolicy policy)
    {
        if ((policy.Tiers & CacheTiers.Memory) == 0)
        {
            return;
        }

        var remaining = logicalExpiresUnixMs + _failSafeMilliseconds - NowMilliseconds;
        if (remaining > 0)
        {
            _memory.Set(entryKey.Local, new MemoryEntry(value, logicalExpiresUnixMs, IsDistributed(policy)), TimeSpan.FromMilliseconds(remaining));
            _metrics.Promoted(CacheValueSource.Memory);
        }
    }

    /// <summary>Writes a value to the policy's tiers; a shared-tier write also tells the other hosts.</summary>
    /// <param name="entryKey">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="cancellationToken">Cancels the shared-tier writes.</param>
    /// <param name="localOnly">Write memory and disk only (a session renewal), never the shared tier.</param>
    private async ValueTask WriteAsync<T>(TieredKey entryKey, T value, CachePolicy policy, CancellationToken cancellationToken, bool localOnly = false)
    {
        var now = NowMilliseconds;
        var logical = now + (long)TimeToLive(policy).TotalMilliseconds;
        var physical = logical + _failSafeMilliseconds;
        var shared = IsDistributed(policy);
        var distributed = shared && !localOnly;
        if ((policy.Tiers & CacheTiers.Memory) != 0)
        {
            _memory.Set(entryKey.Local, new MemoryEntry(value, logical, shared), TimeSpan.FromMilliseconds(physical - now));
        }

        var toDisk = _disk is not null && (policy.Tiers & CacheTiers.Disk) != 0;
        if (!toDisk && !distributed)
        {
            return;
        }

        byte[] bytes;
        try
        {
            bytes = CacheEnvelope.Encode(value, logical, _serializer, _compressor);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The value is valid (L1 holds it); a serializer that cannot write it must not fail the caller, or every
            // waiter of a successful factory would see the exception. The slower tiers do not get it, and must not
            // keep the value it replaces either: this host would read that back once L1 evicts, other hosts at once.
            LogSerializeFailed(_logger, entryKey.Full, ex);
            if (toDisk)
            {
                await RemoveFromDiskAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
            }

            if (distributed)
            {
                await ShareChangeAsync(entryKey.Full, "remove", _distributed!, static (store, key, ct) => RemoveAndReturnAsync(store, key, ct), cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var expiry = DateTimeOffset.FromUnixTimeMilliseconds(physical);
        // L1 has changed: the local disk follows whatever the caller's token does (a cancelled write must not leave the
        // older value on disk to be read back once L1 evicts); only the shared tiers, which can be slow, are cancellable.
        if (toDisk)
        {
            await WriteDiskAsync(entryKey, bytes, expiry, CancellationToken.None).ConfigureAwait(false);
        }

        if (distributed)
        {
            await ShareChangeAsync(
                entryKey.Full,
                "set",
                (_distributed!, bytes, expiry),
                static async (s, key, ct) =>
                {
                    await s.Item1.SetAsync(key, s.bytes, s.expiry, ct).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies a change to L3 and announces it on the backplane. When either does not happen (a failure, the open
    /// circuit, or the caller cancelling midway), the key goes to the recovery queue: until it is replayed, Redis may
    /// hold the value from before the change and other hosts their copies of it.
    /// </summary>
    private async ValueTask ShareChangeAsync<TState>(string fullKey, string operation, TState state, Func<TState, string, CancellationToken, ValueTask<bool>> change, CancellationToken cancellationToken)
    {
        var shared = false;
        try
        {
            var (changed, _) = _distributed is null
                ? (true, true)
                : await _guard!.TryExecuteAsync(operation, (state, fullKey, change), static (s, ct) => s.change(s.state, s.fullKey, ct), cancellationToken).ConfigureAwait(false);

            // Published even when L3 failed: other hosts must still drop their copies.
            var published = await PublishAsync(fullKey, cancellationToken).ConfigureAwait(false);
            shared = changed && published;
        }
        finally
        {
            if (!shared)
            {
                _recovery?.Add(fullKey);
            }
        }
    }

    /// <summary>
    /// Replays a change that did not reach the shared tiers: removes the key from L3 and announces it. A change of
    /// its own, so a read that fetched the old value from L3 before the removal does not copy it up.
    /// </summary>
    private async ValueTask<bool> ReplayChangeAsync(string fullKey, CancellationToken cancellationToken)
    {
        var entryKey = new TieredKey(fullKey[_keyPrefix.Length..], _keyPrefix);
        BeginChange(entryKey);
        try
        {
            if (_distributed is not null)
            {
                var (removed, _) = await _guard!.TryExecuteAsync("recover", (_distributed, fullKey), static (s, ct) => RemoveAndReturnAsync(s._distributed, s.fullKey, ct), cancellationToken).ConfigureAwait(false);
                if (!removed)
                {
                    return false;
                }
            }

            return await PublishAsync(fullKey, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndChange(entryKey);
        }
    }

    /// <summary>The L1 fast path; renews a sliding session value read in the second half of its life.</summary>
    private async ValueTask<CacheResult<T>> ReadMemoryAsync<T>(TieredKey entryKey, CachePolicy policy, CancellationToken cancellationToken, bool countMiss = true)
    {
        // Only a session read may write (a renewal); the default watch reports every key changed.
        using var changes = policy.Session ? WatchChanges(entryKey) : default;
        if (!TryReadMemory<T>(entryKey, policy, out var hit, out _, countMiss))
        {
            return default;
        }

        // Renew only in the second half of the session so a hot key is not rewritten on every read. Only this host's
        // tiers are renewed: rewriting the shared tier from a local copy could overwrite a newer value another host
        // has just stored (its invalidation may still be on the way), so the shared copy keeps its own expiry. A
        // renewal is a promotion of what was read: a Set, Remove or invalidation since the read wins, or a revoked
        // session value would be written back and renewed on every read.
        if (policy.Session && _options.SessionSlidingExpiration && _memory.TryGet(entryKey.Local, out var entry)
            && entry.LogicalExpiresUnixMs - NowMilliseconds < (long)_options.SessionTimeToLive.TotalMilliseconds / 2
            && changes.Unchanged)
        {
            await WriteAsync(entryKey, hit.Value, policy, cancellationToken, localOnly: true).ConfigureAwait(false);
            if (!changes.Unchanged)
            {
                await DropLocalCopiesAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return hit;
    }

    private async ValueTask WriteDiskAsync(TieredKey entryKey, byte[] bytes, DateTimeOffset expiry, CancellationToken cancellationToken)
    {
        try
        {
            await _disk!.SetAsync(entryKey.Full, bytes, expiry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The disk may still hold the value this write replaces, which would answer once L1 evicts the new one.
            LogDiskFailed(_logger, entryKey.Full, ex);
            await RemoveFromDiskAsync(entryKey, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async ValueTask RemoveFromDiskAsync(TieredKey entryKey, CancellationToken cancellationToken)
    {
        try
        {
            await _disk!.RemoveAsync(entryKey.Full, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The host is shutting down and disposed the disk store first (an invalidation can still arrive): there is
            // nothing left to remove from, and the fire-and-forget callers must not leave an unobserved exception.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDiskFailed(_logger, entryKey.Full, ex);
        }
    }

    /// <summary>Tells other hosts to drop their copies of a key; <see langword="false"/> if the message was not sent.</summary>
    private async ValueTask<bool> PublishAsync(string fullKey, CancellationToken cancellationToken)
    {
        if (_backplane is null)
        {
            return true;
        }

        var (published, _) = await _guard!.TryExecuteAsync(
            "publish",
            (_backplane, fullKey),
            static async (s, ct) =>
            {
                await s._backplane.PublishInvalidationAsync(s.fullKey, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return published;
    }

    private static async ValueTask<bool> RemoveAndReturnAsync(IBinaryCacheStore store, string fullKey, CancellationToken cancellationToken)
    {
        await store.RemoveAsync(fullKey, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private bool IsDistributed(CachePolicy policy) => _distributed is not null && (policy.Tiers & CacheTiers.Distributed) != 0;

    private static bool TryCast<T>(object? stored, out T value)
    {
        if (stored is T typed)
        {
            value = typed;
            return true;
        }

        value = default!;
        return stored is null && default(T) is null;
    }

    /// <summary>The outcome of reading L2 and L3: a fresh value, or an expired one kept for fail-safe.</summary>
    private readonly record struct TierLookup<T>(CacheResult<T> Result, bool HasStale, T? Stale);
}
