using Microsoft.Extensions.Options;

namespace ResourceKit.Agents.Hosting;

/// <summary>Validates <see cref="AgentHostOptions"/>, listing every error at once.</summary>
internal sealed class AgentHostOptionsValidator : IValidateOptions<AgentHostOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentHostOptions options)
    {
        var errors = new List<string>();
        var owners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (component, allocation) in options.Components)
        {
            if (allocation is null)
            {
                errors.Add($"Component '{component}' has no allocation.");
                continue;
            }

            if (allocation.MaxMemoryMb < 1)
            {
                errors.Add($"Component '{component}': MaxMemoryMb must be at least 1 (was {allocation.MaxMemoryMb}).");
            }

            if (allocation.MinMemoryMb < 0 || allocation.MinMemoryMb > allocation.MaxMemoryMb)
            {
                errors.Add($"Component '{component}': MinMemoryMb ({allocation.MinMemoryMb}) must be between 0 and MaxMemoryMb ({allocation.MaxMemoryMb}).");
            }

            if (allocation.MaxCpuPercent is <= 0 or > 100 || double.IsNaN(allocation.MaxCpuPercent))
            {
                errors.Add($"Component '{component}': MaxCpuPercent must be in (0, 100] (was {allocation.MaxCpuPercent}).");
            }

            foreach (var loop in allocation.Loops)
            {
                if (!owners.TryAdd(loop, component))
                {
                    errors.Add($"Loop '{loop}' is assigned to both '{owners[loop]}' and '{component}'.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
