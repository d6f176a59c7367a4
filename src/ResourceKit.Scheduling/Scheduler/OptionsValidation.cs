using System.Globalization;

namespace ResourceKit.Scheduling;

/// <summary>Validation shared by the constructors (which throw) and the DI validator (which reports every error at once).</summary>
internal static class OptionsValidation
{
    public static void Validate(PrioritySchedulerOptions options, string prefix, List<string> errors)
    {
        if (options.MaxConcurrency < 1)
        {
            errors.Add(Format("{0}MaxConcurrency must be at least 1 (was {1}).", prefix, options.MaxConcurrency));
        }

        if (options.CriticalReserve < 0)
        {
            errors.Add(Format("{0}CriticalReserve must be 0 or more (was {1}).", prefix, options.CriticalReserve));
        }

        if (options.MaxBypassCount < 1)
        {
            errors.Add(Format("{0}MaxBypassCount must be at least 1 (was {1}).", prefix, options.MaxBypassCount));
        }

        ValidatePercent(options.CpuThresholdPercent, prefix + "CpuThresholdPercent", errors, allowZero: false);
        ValidatePercent(options.LoopCpuLimitPercent, prefix + "LoopCpuLimitPercent", errors, allowZero: false);

        if (!Enum.IsDefined(options.OverloadPolicy))
        {
            errors.Add(Format("{0}OverloadPolicy {1} is not a defined policy.", prefix, options.OverloadPolicy));
        }

        if (options.CpuSampleInterval <= TimeSpan.Zero)
        {
            errors.Add(Format("{0}CpuSampleInterval must be greater than zero (was {1}).", prefix, options.CpuSampleInterval));
        }

        if (options.QueueLengthLimits is null)
        {
            errors.Add(prefix + "QueueLengthLimits must not be null.");
            return;
        }

        foreach (var priority in Enum.GetValues<WorkPriority>())
        {
            if (options.QueueLengthLimits.For(priority) < 0)
            {
                errors.Add(Format("{0}QueueLengthLimits:{1} must be 0 (unbounded) or more (was {2}).", prefix, priority, options.QueueLengthLimits.For(priority)));
            }
        }
    }

    public static void Validate(string name, AgentLoopOptions options, string prefix, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add(prefix + "Loop name must not be empty.");
        }

        if (options is null)
        {
            errors.Add(Format("{0}Loop '{1}' has no options.", prefix, name));
            return;
        }

        if (options.Interval <= TimeSpan.Zero)
        {
            errors.Add(Format("{0}Loop '{1}': Interval must be greater than zero (was {2}).", prefix, name, options.Interval));
        }

        ValidatePercent(options.CpuBudgetPercent, Format("{0}Loop '{1}': CpuBudgetPercent", prefix, name), errors, allowZero: true);

        if (!Enum.IsDefined(options.Priority))
        {
            errors.Add(Format("{0}Loop '{1}': Priority {2} is not a defined level.", prefix, name, options.Priority));
        }

        if (!Enum.IsDefined(options.MissedTickPolicy))
        {
            errors.Add(Format("{0}Loop '{1}': MissedTickPolicy {2} is not a defined policy.", prefix, name, options.MissedTickPolicy));
        }

        if (options.Jitter < TimeSpan.Zero || (options.Interval > TimeSpan.Zero && options.Jitter >= options.Interval))
        {
            errors.Add(Format("{0}Loop '{1}': Jitter must be at least zero and less than the interval (was {2}).", prefix, name, options.Jitter));
        }

        if (options.InitialDelay is { } initialDelay && initialDelay < TimeSpan.Zero)
        {
            errors.Add(Format("{0}Loop '{1}': InitialDelay must not be negative (was {2}).", prefix, name, initialDelay));
        }

        if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add(Format("{0}Loop '{1}': Timeout must be greater than zero when set (was {2}).", prefix, name, timeout));
        }
    }

    public static void ThrowIfInvalid(List<string> errors, string paramName)
    {
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), paramName);
        }
    }

    private static void ValidatePercent(double value, string what, List<string> errors, bool allowZero)
    {
        bool valid = !double.IsNaN(value) && value <= 100 && (allowZero ? value >= 0 : value > 0);
        if (!valid)
        {
            errors.Add(Format("{0} must be {1} 100 percent (was {2}).", what, allowZero ? "between 0 and" : "greater than 0 and at most", value));
        }
    }

    private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
