using System.Globalization;

namespace ResourceKit.Scheduling;

/// <summary>Validation shared by the constructors (which throw) and the DI validator (which reports every error at once).</summary>
internal static class OptionsValidation
{
    /// <summary>
    /// The longest a .NET timer (and so a timed <see cref="CancellationTokenSource"/> or <see cref="Task.Delay(TimeSpan, TimeProvider)"/>)
    /// can wait: 0xFFFFFFFE milliseconds, about 49.7 days. Longer durations pass a plain range check but throw later,
    /// from a timer callback or a worker, so they are refused where they are given.
    /// </summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    public const string MaxTimerDelayText = "49.7 days (0xFFFFFFFE ms, the longest a timer can wait)";

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for an argument a timer could not wait for.</summary>
    public static void ThrowIfBeyondTimer(TimeSpan value, string paramName)
    {
        if (value > MaxTimerDelay)
        {
            throw new ArgumentOutOfRangeException(paramName, value, Format("{0} must be at most {1}.", paramName, MaxTimerDelayText));
        }
    }

    /// <summary>Adds an error when <paramref name="value"/> is longer than a timer can wait.</summary>
    public static void ValidateTimerRange(TimeSpan value, string what, List<string> errors)
    {
        if (value > MaxTimerDelay)
        {
            errors.Add(Format("{0} must be at most {1} (was {2}).", what, MaxTimerDelayText, value));
        }
    }

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

        ValidateTimerRange(options.CpuSampleInterval, prefix + "CpuSampleInterval", errors);

        if (options.TimeoutGracePeriod < TimeSpan.Zero && options.TimeoutGracePeriod != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add(Format("{0}TimeoutGracePeriod must be zero or more, or Timeout.InfiniteTimeSpan to always wait (was {1}).", prefix, options.TimeoutGracePeriod));
        }

        ValidateTimerRange(options.TimeoutGracePeriod, prefix + "TimeoutGracePeriod", errors);

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

        // Deferred work waits for as long as the CPU stays high, so without a bound it piles up without limit.
        var unbounded = Enum.GetValues<WorkPriority>().Where(p => p != WorkPriority.Critical && options.QueueLengthLimits.For(p) == 0).ToList();
        if (options.OverloadPolicy == OverloadPolicy.Defer && unbounded.Count > 0)
        {
            errors.Add(Format(
                "{0}OverloadPolicy Defer needs a QueueLengthLimits bound on every non-critical level, or deferred work piles up for as long as the CPU stays high (unbounded: {1}).",
                prefix,
                string.Join(", ", unbounded)));
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

        if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add(Format("{0}Loop '{1}': Timeout must be greater than zero, or Timeout.InfiniteTimeSpan for none, when set (was {2}).", prefix, name, timeout));
        }

        // Every delay a loop arms: the interval, the initial delay and the timeout, and each tick's delay plus jitter.
        string loop = Format("{0}Loop '{1}': ", prefix, name);
        ValidateTimerRange(options.Interval, loop + "Interval", errors);
        if (options.Interval <= MaxTimerDelay && options.Jitter > TimeSpan.Zero && options.Interval + options.Jitter > MaxTimerDelay)
        {
            errors.Add(Format("{0}Interval plus Jitter must be at most {1} (was {2} + {3}).", loop, MaxTimerDelayText, options.Interval, options.Jitter));
        }

        if (options.InitialDelay is { } delay)
        {
            ValidateTimerRange(delay, loop + "InitialDelay", errors);
            if (delay >= TimeSpan.Zero && delay <= MaxTimerDelay && options.Jitter > TimeSpan.Zero && delay + options.Jitter > MaxTimerDelay)
            {
                errors.Add(Format("{0}InitialDelay plus Jitter must be at most {1} (was {2} + {3}).", loop, MaxTimerDelayText, delay, options.Jitter));
            }
        }

        if (options.Timeout is { } limit)
        {
            ValidateTimerRange(limit, loop + "Timeout", errors);
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
