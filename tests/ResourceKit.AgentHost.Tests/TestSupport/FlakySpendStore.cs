using ResourceKit.Cost.Ledger;

namespace ResourceKit.AgentHost.Tests.TestSupport;

/// <summary>An in-memory spend store that can be taken down: while down, every call throws <see cref="IOException"/>.</summary>
internal sealed class FlakySpendStore : ISpendStore
{
    private readonly MemorySpendStore _inner = new();
    private volatile bool _isDown;

    public bool IsDown
    {
        get => _isDown;
        set => _isDown = value;
    }

    public ValueTask<LedgerReserveResult> TryReserveAsync(LedgerReservation reservation, IReadOnlyList<LedgerLimit> limits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.TryReserveAsync(reservation, limits, now, cancellationToken);
    }

    public ValueTask<LedgerTotals> SettleAsync(LedgerReservation reservation, decimal actual, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.SettleAsync(reservation, actual, cancellationToken);
    }

    public ValueTask<bool> ReleaseAsync(LedgerReservation reservation, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.ReleaseAsync(reservation, cancellationToken);
    }

    public ValueTask<LedgerTotals> RecordAsync(IReadOnlyList<LedgerCounter> counters, decimal amount, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.RecordAsync(counters, amount, cancellationToken);
    }

    public ValueTask<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.ExpireAsync(now, cancellationToken);
    }

    public ValueTask<IReadOnlyList<LedgerBalance>> GetBalancesAsync(string period, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return _inner.GetBalancesAsync(period, cancellationToken);
    }

    private void ThrowIfDown()
    {
        if (_isDown)
        {
            throw new IOException("The spend store is down.");
        }
    }
}
