namespace ResourceKit.Cost.Budgets;

/// <summary>Thrown by the chat middleware when a budget rule refuses a call; names the rule, window and amounts.</summary>
public sealed class BudgetExceededException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class.</summary>
    public BudgetExceededException()
        : base("A budget rule refused the request.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BudgetExceededException"/> class from a denial.</summary>
    /// <param name="denial">The rule's refusal.</param>
    public BudgetExceededException(BudgetDenial denial)
        : base((denial ?? throw new ArgumentNullException(nameof(denial))).ToString())
    {
        Denial = denial;
    }

    /// <summary>Gets the refusal, with the rule, window and amounts.</summary>
    public BudgetDenial? Denial { get; }
}
