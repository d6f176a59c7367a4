using Microsoft.Extensions.Options;

namespace ResourceKit.Cost.DependencyInjection;

/// <summary>Validates <see cref="CostOptions"/>, listing every problem at once.</summary>
internal sealed class CostOptionsValidator : IValidateOptions<CostOptions>
{
    public ValidateOptionsResult Validate(string? name, CostOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
