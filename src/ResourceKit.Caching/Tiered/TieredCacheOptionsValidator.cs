using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using ResourceKit.Caching.Redis;

namespace ResourceKit.Caching;

/// <summary>Validates <see cref="TieredCacheOptions"/>, listing every problem at once.</summary>
public sealed class TieredCacheOptionsValidator : IValidateOptions<TieredCacheOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TieredCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        AddAnnotationErrors(options, nameof(TieredCacheOptions), errors);
        AddKeyPartErrors(options.ApplicationName, nameof(options.ApplicationName), errors);
        AddKeyPartErrors(options.TenantId, nameof(options.TenantId), errors);
        AddAnnotationErrors(options.Memory, nameof(options.Memory), errors);
        if (options.Memory is not null)
        {
            // The L1 cache's own rules (window fractions in order, positive expiry times), so they fail at start-up
            // with the rest rather than when the cache is first resolved.
            errors.AddRange(TinyLfuCacheOptionsValidator.Errors(options.Memory).Select(e => $"{nameof(options.Memory)}: {e}"));
        }
        AddAnnotationErrors(options.Disk, nameof(options.Disk), errors);
        AddAnnotationErrors(options.Redis, nameof(options.Redis), errors);
        AddRedisConfigurationErrors(options.Redis, errors);
        if (!options.Policies.ContainsKey(options.DefaultPolicy ?? string.Empty))
        {
            errors.Add($"DefaultPolicy '{options.DefaultPolicy}' is not one of the configured policies ({string.Join(", ", options.Policies.Keys)}).");
        }

        foreach (var (policyName, policy) in options.Policies)
        {
            if (policy is null)
            {
                errors.Add($"Policy '{policyName}' is null.");
                continue;
            }

            if (policy.Tiers == CacheTiers.None || (policy.Tiers & ~CacheTiers.All) != 0)
            {
                errors.Add($"Policy '{policyName}' must name at least one of the tiers Memory, Disk and Distributed (was {policy.Tiers}).");
            }

            AddAnnotationErrors(policy, $"Policies[{policyName}]", errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// The application name and the tenant are joined to the key with ':' in every shared tier (and the application
    /// name names the backplane channel): a separator inside either would let tenant <c>a</c> with key <c>b:c</c> and
    /// tenant <c>a:b</c> with key <c>c</c> read and overwrite each other's values.
    /// </summary>
    private static void AddKeyPartErrors(string? value, string name, List<string> errors)
    {
        if (value is not null && value.Contains(TieredKey.Separator, StringComparison.Ordinal))
        {
            errors.Add($"{name} '{value}' must not contain '{TieredKey.Separator}': it separates the application, the tenant and the key in every shared key, so two tenants could read each other's values.");
        }
    }

    /// <summary>Parses the Redis configuration string as the connection will, so that a typo fails the start rather than leaving L3 off.</summary>
    private static void AddRedisConfigurationErrors(RedisTierOptions? redis, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(redis?.Configuration) && RedisConnectionFactory.FindConfigurationError(redis.Configuration) is { } error)
        {
            errors.Add($"{nameof(TieredCacheOptions.Redis)}: {nameof(RedisTierOptions.Configuration)} {error}");
        }
    }

    private static void AddAnnotationErrors(object? instance, string prefix, List<string> errors)
    {
        if (instance is null)
        {
            errors.Add($"{prefix} is required.");
            return;
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            errors.AddRange(results.Select(r => $"{prefix}: {r.ErrorMessage}"));
        }
    }
}
