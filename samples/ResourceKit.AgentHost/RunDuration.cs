using System.Globalization;

namespace ResourceKit.AgentHost;

/// <summary>Parses the durations of the sample's command line.</summary>
internal static class RunDuration
{
    /// <summary>Parses <c>60s</c>, <c>5m</c>, <c>2h</c>, a plain number of seconds or a <see cref="TimeSpan"/> literal.</summary>
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
            return unit switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                's' => TimeSpan.FromSeconds(amount),
                _ when char.IsDigit(unit) => TimeSpan.FromSeconds(amount),
                _ => throw new FormatException($"Unknown duration unit '{unit}' in '{text}'. Use s, m or h."),
            };
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new FormatException($"'{text}' is not a positive duration. Examples: 60s, 5m, 01:00:00.");
    }
}
