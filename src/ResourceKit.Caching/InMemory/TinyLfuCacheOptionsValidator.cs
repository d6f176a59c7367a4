using Microsoft.Extensions.Options;

namespace ResourceKit.Caching;

/// <summary>Checks <see cref="TinyLfuCacheOptions"/>, listing every problem at once.</summary>
internal sealed class TinyLfuCacheOptionsValidator : IValidateOptions<TinyLfuCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, TinyLfuCacheOptions options)
    {
        var errors = Errors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every problem, if there are any.</summary>
    public static void ThrowIfInvalid(TinyLfuCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Errors(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid cache options: " + string.Join(" ", errors), nameof(options));
        }
    }

    public static List<string> Errors(TinyLfuCacheOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            errors.Add("Name must not be empty.");
        }

        if (options.Capacity <= 0)
        {
            errors.Add($"Capacity must be greater than 0 but was {options.Capacity}.");
        }

        CheckFraction(errors, nameof(options.InitialWindowFraction), options.InitialWindowFraction);
        CheckFraction(errors, nameof(options.MinimumWindowFraction), options.MinimumWindowFraction);
        CheckFraction(errors, nameof(options.MaximumWindowFraction), options.MaximumWindowFraction);
        if (!(options.MinimumWindowFraction <= options.InitialWindowFraction && options.InitialWindowFraction <= options.MaximumWindowFraction))
        {
            errors.Add(
                $"Window fractions must satisfy MinimumWindowFraction ({options.MinimumWindowFraction}) <= " +
                $"InitialWindowFraction ({options.InitialWindowFraction}) <= MaximumWindowFraction ({options.MaximumWindowFraction}).");
        }

        CheckPositive(errors, nameof(options.ExpireAfterWrite), options.ExpireAfterWrite);
        CheckPositive(errors, nameof(options.ExpireAfterAccess), options.ExpireAfterAccess);
        CheckPositive(errors, nameof(options.ExpirationScanInterval), options.ExpirationScanInterval);
        if (!Enum.IsDefined(options.MaintenanceMode))
        {
            errors.Add($"MaintenanceMode {options.MaintenanceMode} is not a defined value.");
        }

        return errors;
    }

    private static void CheckFraction(List<string> errors, string name, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            errors.Add($"{name} must be between 0 and 1 but was {value}.");
        }
    }

    private static void CheckPositive(List<string> errors, string name, TimeSpan? value)
    {
        if (value is { } span && span <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive when set but was {span}.");
        }
    }
}
