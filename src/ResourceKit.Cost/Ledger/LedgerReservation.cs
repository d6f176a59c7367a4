namespace ResourceKit.Cost.Ledger;

/// <summary>Money held on a set of counters until it is settled, released or expires.</summary>
/// <param name="Id">The unique reservation identifier.</param>
/// <param name="Amount">The amount held on every counter.</param>
/// <param name="ExpiresAt">When the store releases the hold by itself.</param>
/// <param name="Counters">The counters the hold (and later the settled spend) applies to.</param>
public sealed record LedgerReservation(string Id, decimal Amount, DateTimeOffset ExpiresAt, IReadOnlyList<LedgerCounter> Counters);
