using Microsoft.Extensions.AI;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Tiering;

namespace ResourceKit.Agents.Llm;

/// <summary>
/// Chat middleware that picks the model for a request from its task type and complexity through a
/// <see cref="ModelTierRouter"/>, stepping down to cheaper tiers as the budget runs low. A request that names its own
/// model keeps it. A budget that blocks is never routed around: the request fails with <see cref="BudgetExceededException"/>.
/// </summary>
/// <remarks>
/// Set <see cref="TaskTypePropertyName"/> (a string such as <c>code_generation</c>) and <see cref="ComplexityPropertyName"/>
/// (0 to 1) in <see cref="ChatOptions.AdditionalProperties"/>. The category and agent whose budgets are consulted are
/// read as <see cref="BudgetChatClient"/> charges them: from its properties (<see cref="BudgetChatClient.CategoryPropertyName"/>,
/// <see cref="BudgetChatClient.AgentPropertyName"/>), else the router's defaults, which are
/// <see cref="ResourceKit.Cost.CostOptions.Category"/> and <see cref="ResourceKit.Cost.CostOptions.Agent"/> for the
/// router that dependency injection registers.
/// </remarks>
public sealed class ModelTieringChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the task type.</summary>
    public const string TaskTypePropertyName = "resourcekit.taskType";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key of the complexity, 0 to 1.</summary>
    public const string ComplexityPropertyName = "resourcekit.complexity";

    private const string DefaultTaskType = "general";
    private const double DefaultComplexity = 0.5;
    private readonly ModelTierRouter _router;
    private long _routed;
    private long _steppedDown;
    private long _blocked;

    /// <summary>Initializes a new instance of the <see cref="ModelTieringChatClient"/> class.</summary>
    /// <param name="innerClient">The provider client.</param>
    /// <param name="router">The router.</param>
    public ModelTieringChatClient(IChatClient innerClient, ModelTierRouter router)
        : base(innerClient)
    {
        _router = router ?? throw new ArgumentNullException(nameof(router));
    }

    /// <summary>Gets how many requests were routed, stepped down to a cheaper tier, and refused because a budget blocks.</summary>
    public (long Routed, long SteppedDown, long Blocked) Counts =>
        (Interlocked.Read(ref _routed), Interlocked.Read(ref _steppedDown), Interlocked.Read(ref _blocked));

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var routed = await RouteAsync(options, cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, routed, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var routed = await RouteAsync(options, cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, routed, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async ValueTask<ChatOptions?> RouteAsync(ChatOptions? options, CancellationToken cancellationToken)
    {
        if (options?.ModelId is not null)
        {
            return options;
        }

        var properties = options?.AdditionalProperties;
        var taskType = properties?.TryGetValue(TaskTypePropertyName, out string? t) == true && !string.IsNullOrWhiteSpace(t) ? t : DefaultTaskType;
        var complexity = properties?.TryGetValue(ComplexityPropertyName, out double c) == true ? Math.Clamp(c, 0, 1) : DefaultComplexity;

        // The router reads the category and agent the way the budget middleware charges them, so tiering looks at the
        // counters that the call's spend will land in.
        var route = await _router.RouteAsync(taskType, complexity, options, cancellationToken).ConfigureAwait(false);
        if (route.Denial is { } denial)
        {
            Interlocked.Increment(ref _blocked);
            throw new BudgetExceededException(denial);
        }

        Interlocked.Increment(ref _routed);
        if (route.SteppedDown)
        {
            Interlocked.Increment(ref _steppedDown);
        }

        var routed = options?.Clone() ?? new ChatOptions();
        routed.ModelId = route.Model;
        return routed;
    }
}
