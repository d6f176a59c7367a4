namespace ResourceKit.Cost.Budgets;

/// <summary>Whom a piece of spend is charged to.</summary>
/// <param name="Category">The kind of work, for example <c>chat</c> or <c>summarize</c>.</param>
/// <param name="Model">The model that was called.</param>
/// <param name="Agent">The agent that made the call.</param>
public readonly record struct SpendAttribution(string Category, string Model, string Agent)
{
    /// <summary>The name used when a dimension is not given.</summary>
    public const string Unspecified = "default";

    /// <summary>Returns the value of one dimension, or <see langword="null"/> for <see cref="BudgetScope.Global"/>.</summary>
    /// <param name="scope">The dimension.</param>
    /// <returns>The value.</returns>
    public string? ValueFor(BudgetScope scope) => scope switch
    {
        BudgetScope.Category => Normalize(Category),
        BudgetScope.Model => Normalize(Model),
        BudgetScope.Agent => Normalize(Agent),
        _ => null,
    };

    /// <summary>Throws when a dimension contains a character reserved by ledger keys.</summary>
    /// <exception cref="ArgumentException">A dimension contains <c>|</c> or a control character.</exception>
    public void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(Category), Category), (nameof(Model), Model), (nameof(Agent), Agent) })
        {
            if (value is not null && value.Any(c => c == '|' || char.IsControl(c)))
            {
                throw new ArgumentException($"{name} '{value}' must not contain '|' or control characters.", name);
            }
        }
    }

    internal static string Normalize(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Unspecified : value.Trim().ToLowerInvariant();
}
