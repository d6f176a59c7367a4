using Microsoft.Extensions.Options;

namespace ResourceKit.Memory.DependencyInjection;

/// <summary>Validates <see cref="ResourceKitMemoryOptions"/>, listing every problem of every section at once.</summary>
internal sealed class ResourceKitMemoryOptionsValidator : IValidateOptions<ResourceKitMemoryOptions>
{
    public ValidateOptionsResult Validate(string? name, ResourceKitMemoryOptions options)
    {
        var errors = new List<string>();
        Add(errors, "Pressure", options.Pressure?.Validate());
        Add(errors, "Health", options.Health?.Validate());
        Add(errors, "ObjectPools", options.ObjectPools?.Validate());
        Add(errors, "GcTuning", options.GcTuning?.Validate());
        Add(errors, "LazyComponents", options.LazyComponents?.Validate());
        foreach (var (poolName, pool) in options.Pools)
        {
            Add(errors, $"Pools:{poolName}", pool?.Validate());
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Add(List<string> errors, string section, IReadOnlyList<string>? sectionErrors)
    {
        if (sectionErrors is null)
        {
            errors.Add($"ResourceKit:Memory:{section} must not be null.");
            return;
        }

        errors.AddRange(sectionErrors.Select(e => $"ResourceKit:Memory:{section}: {e}"));
    }
}
