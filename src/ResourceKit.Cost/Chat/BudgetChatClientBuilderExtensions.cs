using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResourceKit.Cost;
using ResourceKit.Cost.Budgets;
using ResourceKit.Cost.Chat;
using ResourceKit.Cost.Pricing;
using ResourceKit.Cost.RateLimiting;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the ResourceKit budget middleware to a chat pipeline.</summary>
public static class BudgetChatClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="BudgetChatClient"/>: rate limits, reservation, retries, usage-based settlement. The services
    /// come from <c>AddResourceKitCost</c>.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseResourceKitBudget(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new BudgetChatClient(
            inner,
            services.GetRequiredService<SpendLedger>(),
            services.GetRequiredService<PriceCatalog>(),
            services.GetRequiredService<IOptions<CostOptions>>().Value,
            services.GetService<ModelRateLimiter>(),
            services.GetService<TimeProvider>(),
            services.GetService<ILogger<BudgetChatClient>>()));
    }
}
