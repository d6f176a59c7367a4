using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ResourceKit.Caching;
using ResourceKit.Caching.Chat;
using ResourceKit.Caching.Semantic;

namespace Microsoft.Extensions.AI;

/// <summary>Adds the ResourceKit response cache to a chat pipeline.</summary>
public static class TieredCacheChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="TieredCachingChatClient"/> to the pipeline. The cache and the optional <see cref="SemanticCache"/>
    /// come from the arguments or, when <paramref name="cache"/> is <see langword="null"/>, from the pipeline's services.
    /// </summary>
    /// <param name="builder">The chat client builder.</param>
    /// <param name="cache">The tiered cache; resolved from services when <see langword="null"/>.</param>
    /// <param name="configure">Adjusts the middleware options.</param>
    /// <param name="semanticCache">Enables semantic lookups; resolved from services (if registered) when <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseResourceKitCache(
        this ChatClientBuilder builder,
        TieredCache? cache = null,
        Action<TieredChatCacheOptions>? configure = null,
        SemanticCache? semanticCache = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new TieredChatCacheOptions();
        configure?.Invoke(options);
        return builder.Use((inner, services) => new TieredCachingChatClient(
            inner,
            cache ?? services.GetRequiredService<TieredCache>(),
            options,
            semanticCache ?? services.GetService<SemanticCache>(),
            services.GetService<ILogger<TieredCachingChatClient>>()));
    }
}
