using ResourceKit.Cost.Ledger;

namespace ResourceKit.Cost.Tests.Budgets;

/// <summary>
/// A store that answers every call asynchronously (like Redis) over a memory store, so the ledger takes its
/// general path rather than the synchronous fast path.
/// </summary>
internal sealed class AsyncOnlySpendStore(ISpendStore inner) : ISpendStore
{
    public async ValueTask<LedgerReserveResult> TryReserveAsync(
        LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.TryReserveAsync(reservation, limits, now, cancellationToken);
    }

    public async ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.SettleAsync(reservation, actual, cancellationToken);
    }

    public async ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.ReleaseAsync(reservation, cancellationToken);
    }

    public async ValueTask<bool> ExtendAsync(LedgerReservation reservation, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.ExtendAsync(reservation, expiresAt, now, cancellationToken);
    }

    public async ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.RecordAsync(counters, amount, cancellationToken);
    }

    public async ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.ExpireAsync(now, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return await inner.GetBalancesAsync(period, cancellationToken);
    }
}
