using System.Globalization;
using Microsoft.Extensions.Options;

namespace ResourceKit.Scheduling;

/// <summary>Validates <see cref="SchedulingOptions"/> at start, listing every error, including loops without handlers.</summary>
internal sealed class SchedulingOptionsValidator(IEnumerable<AgentLoopRegistration> registrations) : IValidateOptions<SchedulingOptions>
{
    public ValidateOptionsResult Validate(string? name, SchedulingOptions options)
    {
        var errors = new List<string>();
        if (options.Scheduler is null)
        {
            errors.Add("Scheduling:Scheduler must not be null.");
        }
        else
        {
            OptionsValidation.Validate(options.Scheduler, "Scheduling:Scheduler:", errors);
        }

        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            errors.Add(string.Format(CultureInfo.InvariantCulture, "Scheduling:ShutdownGracePeriod must be zero or more (was {0}).", options.ShutdownGracePeriod));
        }

        OptionsValidation.ValidateTimerRange(options.ShutdownGracePeriod, "Scheduling:ShutdownGracePeriod", errors);

        var handlers = new HashSet<string>(registrations.Select(r => r.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var (loopName, loop) in options.Loops ?? [])
        {
            OptionsValidation.Validate(loopName, loop, "Scheduling:Loops: ", errors);
            string handler = loop?.Handler ?? loopName;
            if (loop is { Enabled: true } && !handlers.Contains(handler))
            {
                errors.Add(string.Format(CultureInfo.InvariantCulture, "Scheduling:Loops: Loop '{0}' is configured but no handler named '{1}' is registered (use AddAgentLoop).", loopName, handler));
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
