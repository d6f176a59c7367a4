using System.Collections.Concurrent;
using ResourceKit.Cost.Diagnostics;

namespace ResourceKit.Cost.Budgets;

/// <content>Expiry: the sweep of lapsed reservations, the clock it runs on, and forgetting old or replaced rules' event keys and throttle gates.</content>
public sealed partial class SpendLedger
{
    /// <summary>Releases expired reservations now, rather than waiting for the periodic sweep.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number released.</returns>
    public async ValueTask<int> ExpireReservationsAsync(CancellationToken cancellationToken = default)
    {
        // Holds expire on the expiry clock; periods end on the wall clock (the calendar), so the in-process stores
        // get both: a monotonic clock running ahead of a wall clock stepped back must not forget the current period.
        var now = _time.GetUtcNow();
        var count = _synchronousStore is { } store
            ? store.Sweep(ExpiryNow(now), now)
            : await _store.ExpireAsync(now, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            _metrics.Expired(count);
            CostLog.ReservationsExpired(_logger, count);
        }

        // Raised keys outlive their period by a time to live, for settles of reservations taken just before its end.
        Prune(_raised, now - _reservationTimeToLive, static end => end);
        Interlocked.Add(ref _throttleGateCount, -Prune(_throttles, now, static gate => gate.PeriodEnd));
        return count;
    }

    /// <summary>
    /// The time reservation expiry is measured on. The memory and file stores live in this process, so their holds
    /// expire on the monotonic clock (the wall clock at start plus the elapsed time): a wall clock stepped forward,
    /// as after a suspended VM resumes or an NTP step, does not release the holds of running calls. A shared store
    /// (Redis) compares expiries across hosts, so it has to use the wall clock.
    /// </summary>
    internal DateTimeOffset ExpiryNow(DateTimeOffset wallNow) =>
        _synchronousStore is null ? wallNow : _expiryClockOrigin + _time.GetElapsedTime(_expiryClockOriginTimestamp);

    /// <summary>
    /// Drops the throttle gates and raised-event keys of one rule (every key starts with <c>name|</c>, and names hold no
    /// <c>|</c>). Spend still over the new limit sets them again at the next reserve or settle.
    /// </summary>
    private void Forget(string ruleName)
    {
        var prefix = ruleName + "|";
        foreach (var key in _raised.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                _raised.TryRemove(key, out _);
            }
        }

        foreach (var key in _throttles.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && _throttles.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _throttleGateCount);
            }
        }
    }

    private static int Prune<T>(ConcurrentDictionary<string, T> map, DateTimeOffset now, Func<T, DateTimeOffset> end)
    {
        var removed = 0;
        foreach (var entry in map)
        {
            if (end(entry.Value) <= now && map.TryRemove(entry))
            {
                removed++;
            }
        }

        return removed;
    }

    private async Task SweepAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) != 0)
        {
            return;
        }

        try
        {
            await ExpireReservationsAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CostLog.ExpirySweepFailed(_logger, ex);
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }
}
