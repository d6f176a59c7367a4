using Microsoft.Extensions.Options;

namespace ResourceKit.Agents.Monitoring;

/// <summary>Validates <see cref="HealthMonitorOptions"/>, listing every error at once.</summary>
internal sealed class HealthMonitorOptionsValidator : IValidateOptions<HealthMonitorOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthMonitorOptions options)
    {
        var errors = Errors(options).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static IEnumerable<string> Errors(HealthMonitorOptions options)
    {
        if (options.SampleInterval <= TimeSpan.Zero)
        {
            yield return $"SampleInterval must be positive (was {options.SampleInterval}).";
        }

        if (options.HistoryLength < 1)
        {
            yield return $"HistoryLength must be at least 1 (was {options.HistoryLength}).";
        }

        if (options.AlertHistoryLength < 1)
        {
            yield return $"AlertHistoryLength must be at least 1 (was {options.AlertHistoryLength}).";
        }

        if (options.RepeatAlertInterval <= TimeSpan.Zero)
        {
            yield return $"RepeatAlertInterval must be positive (was {options.RepeatAlertInterval}).";
        }

        foreach (var (metric, threshold) in options.Thresholds)
        {
            if (threshold is null)
            {
                yield return $"Threshold '{metric}' is missing its values.";
                continue;
            }

            foreach (var error in threshold.Validate(metric))
            {
                yield return error;
            }
        }
    }
}
