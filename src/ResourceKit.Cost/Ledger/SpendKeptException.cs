namespace ResourceKit.Cost.Ledger;

/// <summary>
/// Thrown by <see cref="RedisSpendStore.SettleAsync"/> and <see cref="RedisSpendStore.RecordAsync"/> when Redis could
/// not take the spend for now, or the caller's token was cancelled while the call waited for spend kept earlier to be
/// written, but the store kept it in this process, to be written by its next operation that reaches Redis. The spend
/// is counted: do not retry the call. A retried settle would be charged once (it carries the reservation id), but a
/// retried record is new spend and would be charged twice. The Redis error (or the
/// <see cref="OperationCanceledException"/>) is the <see cref="Exception.InnerException"/>; a retry policy that handles
/// Redis errors does not catch this type. The message names the cause: a cancelled wait says nothing about Redis.
/// </summary>
/// <remarks>
/// <see cref="Budgets.SpendLedger"/> treats it as a completed settle or record, also when it comes through a store
/// that wraps the Redis store.
/// </remarks>
public sealed class SpendKeptException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="SpendKeptException"/> class.</summary>
    public SpendKeptException()
        : base("The spend store could not save the spend now but kept it to write later; do not retry.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendKeptException"/> class.</summary>
    /// <param name="message">The message.</param>
    public SpendKeptException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendKeptException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The error that kept the store from saving the spend.</param>
    public SpendKeptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="SpendKeptException"/> class for kept spend.</summary>
    /// <param name="amount">The spend kept.</param>
    /// <param name="unsavedSpend">All the spend the store keeps unsaved, this one included.</param>
    /// <param name="innerException">The error that kept the store from saving the spend.</param>
    public SpendKeptException(decimal amount, decimal unsavedSpend, Exception innerException)
        : base(
            $"The spend store could not save {amount} USD of spend now ({innerException?.Message}) but kept it in this process; its next operation that reaches the server writes it ({unsavedSpend} USD unsaved). The spend is counted: do not retry.",
            innerException)
    {
        Amount = amount;
        UnsavedSpend = unsavedSpend;
    }

    private SpendKeptException(string message, decimal amount, decimal unsavedSpend, Exception innerException)
        : base(message, innerException)
    {
        Amount = amount;
        UnsavedSpend = unsavedSpend;
    }

    /// <summary>Gets the spend of the failed call, kept to be written later.</summary>
    public decimal Amount { get; }

    /// <summary>Gets all the spend the store kept unsaved when it threw, this call's included.</summary>
    public decimal UnsavedSpend { get; }

    /// <summary>
    /// The exception for spend kept because the caller's token ended its wait for spend kept earlier to be written,
    /// before the spend was sent: Redis may be healthy, so the message does not say it could not save.
    /// </summary>
    internal static SpendKeptException CancelledBeforeSent(decimal amount, decimal unsavedSpend, Exception cancellation) =>
        new(
            $"The call was cancelled while it waited for spend kept earlier to be written, before {amount} USD of spend was sent; the store kept it in this process and its next operation that reaches the server writes it ({unsavedSpend} USD unsaved). The spend is counted: do not retry.",
            amount,
            unsavedSpend,
            cancellation);
}
