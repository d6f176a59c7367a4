using Microsoft.Extensions.AI;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;

namespace ResourceKit.Cost.Tiering;

/// <summary>
/// Picks a model by task type and complexity, then steps down to cheaper tiers as the remaining budget falls
/// (one tier below 50 %, two below 20 % by default). It never routes around a block: when a Block or Shutdown
/// rule that applies to the task is exhausted, the route is blocked rather than sent to a cheaper model.
/// </summary>
public sealed class ModelTierRouter
{
    private readonly ModelTieringOptions _options;
    private readonly SpendLedger _ledger;
    private readonly HashSet<string> _premiumTasks;
    private readonly HashSet<string> _standardTasks;
    private readonly string _defaultCategory;
    private readonly string _defaultAgent;

    /// <summary>
    /// Initializes a new instance of the <see cref="ModelTierRouter"/> class whose requests without category or agent
    /// are read as the default ones (<see cref="CostOptions.DefaultCategory"/>, <see cref="SpendAttribution.Unspecified"/>).
    /// </summary>
    /// <param name="options">The tiering options; validated here.</param>
    /// <param name="ledger">The ledger whose rules give the remaining budget.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ModelTierRouter(ModelTieringOptions options, SpendLedger ledger)
        : this(options, ledger, CostOptions.DefaultCategory, SpendAttribution.Unspecified)
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="ModelTierRouter"/> class from the cost options: their
    /// <see cref="CostOptions.Tiering"/>, and their <see cref="CostOptions.Category"/> and <see cref="CostOptions.Agent"/>
    /// for requests that name none, as the budget middleware charges them.
    /// </summary>
    /// <param name="options">The cost options; the tiering options are validated here.</param>
    /// <param name="ledger">The ledger whose rules give the remaining budget.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public ModelTierRouter(CostOptions options, SpendLedger ledger)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Tiering, ledger, options.Category, options.Agent)
    {
    }

    private ModelTierRouter(ModelTieringOptions options, SpendLedger ledger, string defaultCategory, string defaultAgent)
    {
        _defaultCategory = defaultCategory;
        _defaultAgent = defaultAgent;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        var errors = options.Validate("Tiering").ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _ledger = ledger;
        _premiumTasks = new HashSet<string>(options.EffectivePremiumTaskTypes, StringComparer.OrdinalIgnoreCase);
        _standardTasks = new HashSet<string>(options.EffectiveStandardTaskTypes, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Returns the tier a task gets with a full budget (seed 004's table).</summary>
    /// <param name="taskType">The task type, for example <c>code_generation</c>.</param>
    /// <param name="complexity">The complexity between 0 and 1.</param>
    /// <returns>The tier.</returns>
    /// <exception cref="ArgumentException">The task type is empty or the complexity is outside 0–1.</exception>
    public ModelTier SelectTier(string taskType, double complexity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskType);
        if (complexity is < 0 or > 1 || double.IsNaN(complexity))
        {
            throw new ArgumentOutOfRangeException(nameof(complexity), complexity, "Complexity must be between 0 and 1.");
        }

        if (_premiumTasks.Contains(taskType) && complexity > _options.PremiumComplexity)
        {
            return ModelTier.Premium;
        }

        return _standardTasks.Contains(taskType) && complexity > _options.StandardComplexity ? ModelTier.Standard : ModelTier.Economy;
    }

    /// <summary>Returns the model of a tier.</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>The model.</returns>
    public string ModelFor(ModelTier tier) => tier switch
    {
        ModelTier.Premium => _options.PremiumModel,
        ModelTier.Standard => _options.StandardModel,
        _ => _options.EconomyModel,
    };

    /// <summary>
    /// Chooses the model for a task given the budget that remains, reading the category and agent from
    /// <paramref name="options"/> exactly as <see cref="Chat.BudgetChatClient"/> will charge them
    /// (<see cref="Chat.BudgetChatClient.CategoryPropertyName"/>, <see cref="Chat.BudgetChatClient.AgentPropertyName"/>,
    /// else the defaults this router was created with).
    /// </summary>
    /// <param name="taskType">The task type.</param>
    /// <param name="complexity">The complexity between 0 and 1.</param>
    /// <param name="options">The request's options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The route.</returns>
    public ValueTask<ModelRoute> RouteAsync(string taskType, double complexity, ChatOptions? options, CancellationToken cancellationToken = default)
    {
        var (category, agent) = ChatSpendAttribution.Resolve(options, _defaultCategory, _defaultAgent);
        return RouteAsync(taskType, complexity, category, agent, cancellationToken);
    }

    /// <summary>Chooses the model for a task given the budget that remains.</summary>
    /// <param name="taskType">The task type.</param>
    /// <param name="complexity">The complexity between 0 and 1.</param>
    /// <param name="category">The category the call will be charged to.</param>
    /// <param name="agent">The agent the call will be charged to.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The route.</returns>
    public async ValueTask<ModelRoute> RouteAsync(
        string taskType, double complexity, string category, string agent, CancellationToken cancellationToken = default)
    {
        var requested = SelectTier(taskType, complexity);
        var statuses = await _ledger.GetStatusAsync(new SpendAttribution(category, ModelFor(requested), agent), cancellationToken).ConfigureAwait(false);
        var remaining = 1.0;
        foreach (var status in statuses)
        {
            if (status.Action is BudgetAction.Block or BudgetAction.Shutdown && status.IsExhausted)
            {
                var denial = new BudgetDenial(
                    status.RuleName, status.Action, status.Period.Window, status.Period.Key, status.Scope, status.Limit, status.Committed, status.Reserved, 0m);
                return new ModelRoute(_options.Provider, ModelFor(requested), requested, requested, 0, denial);
            }

            if (status.Action != BudgetAction.Warn)
            {
                remaining = Math.Min(remaining, status.RemainingRatio);
            }
        }

        var steps = remaining < _options.StepDownTwoTiersBelow ? 2 : remaining < _options.StepDownOneTierBelow ? 1 : 0;
        var tier = (ModelTier)Math.Min((int)ModelTier.Economy, (int)requested + steps);
        return new ModelRoute(_options.Provider, ModelFor(tier), tier, requested, remaining, null);
    }
}
