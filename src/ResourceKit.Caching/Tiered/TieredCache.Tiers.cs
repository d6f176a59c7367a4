namespace ResourceKit.Caching;

/// <summary>Reading, promoting and writing across the tiers.</summary>
public sealed partial class TieredCache
{
    private long NowMilliseconds => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private TimeSpan TimeToLive(CachePolicy policy) => policy.Session ? _options.SessionTimeToLive : policy.TimeToLive;

    private bool TryReadMemory<T>(string fullKey, CachePolicy policy, out CacheResult<T> fresh, out CacheResult<T> stale)
    {
        fresh = default;
        stale = default;
        if ((policy.Tiers & CacheTiers.Memory) == 0)
        {
            return false;
        }

        if (_memory.TryGet(fullKey, out var entry) && TryCast<T>(entry.Value, out var value))
        {
            if (entry.LogicalExpiresUnixMs > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Memory);
                fresh = new CacheResult<T>(value, CacheValueSource.Memory);
                return true;
            }

            stale = new CacheResult<T>(value, CacheValueSource.FailSafe);
        }

        _metrics.Miss(CacheValueSource.Memory);
        return false;
    }

    private async ValueTask<TierLookup<T>> ReadLowerTiersAsync<T>(string fullKey, CachePolicy policy, CancellationToken cancellationToken)
    {
        var stale = default(TierLookup<T>);
        if (_disk is not null && (policy.Tiers & CacheTiers.Disk) != 0)
        {
            byte[]? bytes = null;
            try
            {
                bytes = await _disk.GetAsync(fullKey, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDiskFailed(_logger, fullKey, ex);
            }

            var found = TryDecode<T>(bytes, fullKey, CacheValueSource.Disk, out var value, out var expires);
            if (found && expires > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Disk);
                PromoteToMemory(fullKey, value, expires, policy);
                return new TierLookup<T>(new CacheResult<T>(value, CacheValueSource.Disk), false, default);
            }

            _metrics.Miss(CacheValueSource.Disk);
            stale = found ? new TierLookup<T>(default, true, value) : stale;
        }

        if (_distributed is not null && (policy.Tiers & CacheTiers.Distributed) != 0)
        {
            var (_, bytes) = await _guard!.TryExecuteAsync("get", (_distributed, fullKey), static (s, ct) => s._distributed.GetAsync(s.fullKey, ct), cancellationToken).ConfigureAwait(false);
            var found = TryDecode<T>(bytes, fullKey, CacheValueSource.Distributed, out var value, out var expires);
            if (found && expires > NowMilliseconds)
            {
                _metrics.Hit(CacheValueSource.Distributed);
                if (_disk is not null && (policy.Tiers & CacheTiers.Disk) != 0)
                {
                    await WriteDiskAsync(fullKey, bytes!, DateTimeOffset.FromUnixTimeMilliseconds(expires + _failSafeMilliseconds), cancellationToken).ConfigureAwait(false);
                    _metrics.Promoted(CacheValueSource.Disk);
                }

                PromoteToMemory(fullKey, value, expires, policy);
                return new TierLookup<T>(new CacheResult<T>(value, CacheValueSource.Distributed), false, default);
            }

            _metrics.Miss(CacheValueSource.Distributed);
            stale = found && !stale.HasStale ? new TierLookup<T>(default, true, value) : stale;
        }

        return stale;
    }

    private bool TryDecode<T>(byte[]? bytes, string fullKey, CacheValueSource tier, out T value, out long logicalExpiresUnixMs)
    {
        value = default!;
        logicalExpiresUnixMs = 0;
        if (bytes is null)
        {
            return false;
        }

        try
        {
            logicalExpiresUnixMs = CacheEnvelope.ReadLogicalExpiry(bytes);
            value = CacheEnvelope.Decode<T>(bytes, _serializer);
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            // A value written by another version or type, or damaged in transit: drop it from that tier.
            LogUnreadable(_logger, fullKey, tier == CacheValueSource.Disk ? CacheMeter.DiskTier : CacheMeter.DistributedTier, ex);
            _ = tier == CacheValueSource.Disk
                ? RemoveFromDiskAsync(fullKey, CancellationToken.None).AsTask()
                : _guard!.TryExecuteAsync("remove", (_distributed!, fullKey), static (s, ct) => RemoveAndReturnAsync(s.Item1, s.fullKey, ct), CancellationToken.None).AsTask();
            return false;
        }
    }

    private void PromoteToMemory<T>(string fullKey, T value, long logicalExpiresUnixMs, CachePolicy policy)
    {
        if ((policy.Tiers & CacheTiers.Memory) == 0)
        {
            return;
        }

        var remaining = logicalExpiresUnixMs + _failSafeMilliseconds - NowMilliseconds;
        if (remaining > 0)
        {
            _memory.Set(fullKey, new MemoryEntry(value, logicalExpiresUnixMs, IsDistributed(policy)), TimeSpan.FromMilliseconds(remaining));
            _metrics.Promoted(CacheValueSource.Memory);
        }
    }

    private async ValueTask WriteAsync<T>(string fullKey, T value, CachePolicy policy, CancellationToken cancellationToken)
    {
        var now = NowMilliseconds;
        var logical = now + (long)TimeToLive(policy).TotalMilliseconds;
        var physical = logical + _failSafeMilliseconds;
        var distributed = IsDistributed(policy);
        if ((policy.Tiers & CacheTiers.Memory) != 0)
        {
            _memory.Set(fullKey, new MemoryEntry(value, logical, distributed), TimeSpan.FromMilliseconds(physical - now));
        }

        var toDisk = _disk is not null && (policy.Tiers & CacheTiers.Disk) != 0;
        if (!toDisk && !distributed)
        {
            return;
        }

        var bytes = CacheEnvelope.Encode(value, logical, _serializer, _compressor);
        var expiry = DateTimeOffset.FromUnixTimeMilliseconds(physical);
        if (toDisk)
        {
            await WriteDiskAsync(fullKey, bytes, expiry, cancellationToken).ConfigureAwait(false);
        }

        if (distributed)
        {
            await _guard!.TryExecuteAsync(
                "set",
                (_distributed!, fullKey, bytes, expiry),
                static async (s, ct) =>
                {
                    await s.Item1.SetAsync(s.fullKey, s.bytes, s.expiry, ct).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            await PublishAsync(fullKey, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask RenewSessionAsync<T>(string fullKey, CacheResult<T> hit, CachePolicy policy, CancellationToken cancellationToken)
    {
        if (!policy.Session || !_options.SessionSlidingExpiration || !_memory.TryGet(fullKey, out var entry))
        {
            return;
        }

        // Renew only in the second half of the session so a hot key is not rewritten on every read.
        var remaining = entry.LogicalExpiresUnixMs - NowMilliseconds;
        if (remaining < (long)_options.SessionTimeToLive.TotalMilliseconds / 2)
        {
            await WriteAsync(fullKey, hit.Value, policy, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteDiskAsync(string fullKey, byte[] bytes, DateTimeOffset expiry, CancellationToken cancellationToken)
    {
        try
        {
            await _disk!.SetAsync(fullKey, bytes, expiry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDiskFailed(_logger, fullKey, ex);
        }
    }

    private async ValueTask RemoveFromDiskAsync(string fullKey, CancellationToken cancellationToken)
    {
        try
        {
            await _disk!.RemoveAsync(fullKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ObjectDisposedException)
        {
            LogDiskFailed(_logger, fullKey, ex);
        }
    }

    private async ValueTask PublishAsync(string fullKey, CancellationToken cancellationToken)
    {
        if (_backplane is null)
        {
            return;
        }

        await _guard!.TryExecuteAsync(
            "publish",
            (_backplane, fullKey),
            static async (s, ct) =>
            {
                await s._backplane.PublishInvalidationAsync(s.fullKey, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
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
