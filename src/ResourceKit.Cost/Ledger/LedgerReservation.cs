namespace ResourceKit.Cost.Ledger;

/// <summary>Money held on a set of counters until it is settled, released or expires.</summary>
/// <param name="Id">The unique reservation identifier.</param>
/// <param name="Amount">The amount held on every counter.</param>
/// <param name="ExpiresAt">When the store releases the hold by itself.</param>
/// <param name="Counters">The counters the hold (and later the settled spend) applies to.</param>
public sealed record LedgerReservation(string Id, decimal Amount, DateTimeOffset ExpiresAt, IReadOnlyList<LedgerCounter> Counters)
{
    /// <summary>
    /// Gets an amount the store checks and holds instead of <see cref="Amount"/> when it is larger. A hold counts
    /// against the limits what it was checked against for as long as it is outstanding: were less held, parallel
    /// callers would each be checked against room the others' calls may still spend.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the store checks and holds <see cref="Amount"/>.</value>
    public decimal? LimitCheckAmount { get; init; }

    /// <summary>Gets what the limit check counts and the store holds: the larger of <see cref="Amount"/> and <see cref="LimitCheckAmount"/>.</summary>
    internal decimal CheckedAmount => LimitCheckAmount is { } check && check > Amount ? check : Amount;
}
