namespace ResourceKit.Cost.Ledger;

/// <summary>
/// Thrown by <see cref="RedisSpendStore.RecordAsync"/> (and so by <see cref="Budgets.SpendLedger.RecordAsync"/>) when a
/// record's script was sent to Redis but its reply was lost (a timeout, or the connection failing after the send), and
/// the store could not keep the spend to write later because it already keeps
/// <see cref="RedisSpendStore.MaxUnsavedEntries"/> entries. Redis may or may not have counted the spend. Do not
/// retry: a retried record is new spend under a new id, and is charged twice if the first one ran. The Redis error is
/// the <see cref="Exception.InnerException"/>; a retry policy that handles Redis errors does not catch this type.
/// </summary>
/// <remarks>
/// A settle is not reported this way: it carries its reservation's id, so a retry is charged once, and the Redis
/// error itself reaches the caller.
/// </remarks>
public sealed class SpendOutcomeUnknownException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SpendOutcomeUnknownException"/> class.</summary>
    public SpendOutcomeUnknownException()
        : base("The spend store does not know whether the server counted the spend; do not retry.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendOutcomeUnknownException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SpendOutcomeUnknownException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendOutcomeUnknownException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The error that left the outcome unknown.</param>
    public SpendOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendOutcomeUnknownException"/> class for a record.</summary>
    /// <param name="amount">The spend of the record.</param>
    /// <param name="maxUnsavedEntries">The entries the store already keeps, its limit.</param>
    /// <param name="innerException">The error that left the outcome unknown.</param>
    public SpendOutcomeUnknownException(decimal amount, int maxUnsavedEntries, Exception innerException)
        : base(
            $"Redis may or may not have recorded {amount} USD of spend: the record was sent but no reply came ({innerException?.Message}), and the store could not keep it to write later (it already keeps {maxUnsavedEntries} entries, its MaxUnsavedEntries). Do not retry: a retried record is new spend and would be charged twice if the first one ran.",
            innerException)
    {
        Amount = amount;
    }

    /// <summary>Gets the spend of the record whose outcome is unknown.</summary>
    public decimal Amount { get; }
}
