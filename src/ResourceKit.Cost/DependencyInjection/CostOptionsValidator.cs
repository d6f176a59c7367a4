using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ResourceKit.Cost.Ledger;
using StackExchange.Redis;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>
/// Validates <see cref="CostOptions"/>, listing every problem at once, and what only the container knows: the Redis
/// store needs <see cref="CostOptions.RedisConfiguration"/> unless an <see cref="IConnectionMultiplexer"/> is registered.
/// </summary>
/// <param name="services">Tells whether an <see cref="IConnectionMultiplexer"/> is registered, without creating it.</param>
internal sealed class CostOptionsValidator(IServiceProviderIsService? services = null) : IValidateOptions<CostOptions>
{
    public ValidateOptionsResult Validate(string? name, CostOptions options)
    {
        var errors = options.Validate().ToList();
        if (options.Store == SpendStoreKind.Redis
            && string.IsNullOrWhiteSpace(options.RedisConfiguration)
            && services?.IsService(typeof(IConnectionMultiplexer)) != true)
        {
            errors.Add("RedisConfiguration is required when Store is Redis and no IConnectionMultiplexer is registered.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
