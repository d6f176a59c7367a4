using Microsoft.Extensions.AI;

namespace ResourceKit.Cost.Chat;

/// <summary>
/// Whom a chat request is charged to: the one reading of <see cref="BudgetChatClient.CategoryPropertyName"/> and
/// <see cref="BudgetChatClient.AgentPropertyName"/> shared by the budget middleware and model tiering, so tiering
/// reads the very budget that will be charged.
/// </summary>
internal static class ChatSpendAttribution
{
    /// <summary>
    /// Returns the category and agent of a request: its category and agent properties (any value, read with
    /// <see cref="object.ToString"/>), else <paramref name="defaultCategory"/> and <paramref name="defaultAgent"/>
    /// (<see cref="CostOptions.Category"/> and <see cref="CostOptions.Agent"/>).
    /// </summary>
    public static (string Category, string Agent) Resolve(ChatOptions? options, string defaultCategory, string defaultAgent) =>
        (Property(options, BudgetChatClient.CategoryPropertyName) ?? defaultCategory, Property(options, BudgetChatClient.AgentPropertyName) ?? defaultAgent);

    private static string? Property(ChatOptions? options, string key) =>
        options?.AdditionalProperties?.TryGetValue(key, out var value) == true ? value?.ToString() : null;
}
