using System.ComponentModel.DataAnnotations;

namespace ResourceKit.Memory.Internal;

/// <summary>Shared plumbing for the options classes' <c>Validate()</c> methods.</summary>
internal static class OptionsErrors
{
    /// <summary>Collects the data-annotation errors of <paramref name="options"/>.</summary>
    public static List<string> FromAnnotations(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? $"Invalid {options.GetType().Name} value.").ToList();
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every error, if there are any.</summary>
    public static void ThrowIfAny(IReadOnlyList<string> errors, string paramName)
    {
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), paramName);
        }
    }
}
