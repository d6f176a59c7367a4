namespace ResourceKit.Cost.Ledger;

/// <summary>Money held on a set of counters until it is settled, released or expires.</summary>
/// <param name="Id">The unique reservation identifier.</param>
/// <param name="Amount">The amount held on every counter.</param>
/// <param name="ExpiresAt">When the store releases the hold by itself.</param>
/// <param name="Counters">The counters the hold (and later the settled spend) applies to.</param>
public sealed record LedgerReservation(string Id, decimal Amount, DateTimeOffset ExpiresAt, IReadOnlyList<LedgerCounter> Counters)
{
    /// <summary>
    /// Gets the amount the limit check counts instead of <see cref="Amount"/> when it is larger: the full estimate of a
    /// call of which only a capped part is held, so a call that might not fit is refused without one large hold
    /// locking everyone else out.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the check counts <see cref="Amount"/>.</value>
    public decimal? LimitCheckAmount { get; init; }

    /// <summary>Gets what the limit check counts: the larger of <see cref="Amount"/> and <see cref="LimitCheckAmount"/>.</summary>
    internal decimal CheckedAmount => LimitCheckAmount is { } check && check > Amount ? check : Amount;
}
