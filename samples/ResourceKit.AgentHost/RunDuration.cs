using System.Globalization;

namespace ResourceKit.AgentHost;

/// <summary>Parses the durations of the sample's command line.</summary>
internal static class RunDuration
{
    /// <summary>Gets the shortest duration accepted: a timer period must be at least a millisecond.</summary>
    public static TimeSpan Min { get; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Gets the longest duration accepted: the longest period a .NET timer supports (about 49.7 days).</summary>
    public static TimeSpan Max { get; } = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Parses <c>60s</c>, <c>5m</c>, <c>2h</c>, a plain number of seconds or a <see cref="TimeSpan"/> literal.</summary>
    /// <exception cref="FormatException">The text is not a duration, or not one between <see cref="Min"/> and <see cref="Max"/>.</exception>
    public static TimeSpan? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        var unit = char.ToLowerInvariant(text[^1]);
        var number = char.IsLetter(unit) ? text[..^1] : text;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            var seconds = unit switch
            {
                'm' => amount * 60,
                'h' => amount * 3600,
                's' => amount,
                _ when char.IsDigit(unit) => amount,
                _ => throw new FormatException($"Unknown duration unit '{unit}' in '{text}'. Use s, m or h."),
            };

            // Compared as seconds first: TimeSpan.FromSeconds(1e300) throws an overflow error that does not name the argument.
            return InRange(seconds <= Max.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue, text);
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return InRange(span, text);
        }

        throw new FormatException($"'{text}' is not a positive duration. Examples: 60s, 5m, 01:00:00.");
    }

    // The durations drive a PeriodicTimer and Task.Delay, which reject periods outside these bounds only once the host runs.
    private static TimeSpan InRange(TimeSpan duration, string text) => duration >= Min && duration <= Max
        ? duration
        : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'{text}' is out of range: a duration must be between 1 ms and {Max.TotalDays:0.#} days."));
}
