using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>
/// Checks the raw configuration of budget rules. The configuration binder silently drops a list element it
/// cannot convert (such as <c>Window: Fortnightly</c>), which would quietly replace a rule with the defaults.
/// </summary>
internal sealed class CostConfigurationValidator(IConfiguration configuration) : IValidateOptions<CostOptions>
{
    /// <summary>Whether <paramref name="other"/> is the configuration this validator checks: the same object or a section with the same path.</summary>
    public bool Reads(IConfiguration other) =>
        ReferenceEquals(configuration, other)
        || (configuration is IConfigurationSection mine && other is IConfigurationSection theirs
            && string.Equals(mine.Path, theirs.Path, StringComparison.OrdinalIgnoreCase));

    public ValidateOptionsResult Validate(string? name, CostOptions options)
    {
        var errors = new List<string>();
        var rules = configuration.GetSection(nameof(CostOptions.Rules)).GetChildren().ToList();
        foreach (var rule in rules)
        {
            var path = $"Rules:{rule.Key}";
            Check<BudgetWindow>(rule, nameof(BudgetRule.Window), path, errors);
            Check<BudgetScope>(rule, nameof(BudgetRule.Scope), path, errors);
            Check<BudgetAction>(rule, nameof(BudgetRule.Action), path, errors);
            if (rule[nameof(BudgetRule.Limit)] is { } limit
                && !decimal.TryParse(limit, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{path}:Limit '{limit}' is not a number.");
            }
        }

        if (errors.Count == 0 && rules.Count != (options.Rules?.Count ?? 0))
        {
            errors.Add($"Rules: {rules.Count} rules are configured but only {options.Rules?.Count ?? 0} could be read.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check<TEnum>(IConfigurationSection rule, string key, string path, List<string> errors)
        where TEnum : struct, Enum
    {
        if (rule[key] is { } value && (!Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed)))
        {
            errors.Add($"{path}:{key} '{value}' is unknown; use one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }
}
