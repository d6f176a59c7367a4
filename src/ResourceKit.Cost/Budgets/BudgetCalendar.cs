using System.Globalization;

namespace ResourceKit.Cost.Budgets;

/// <summary>
/// Maps an instant to the hour, day, ISO week and calendar month that contain it in one time zone,
/// handling daylight-saving transitions (a day may last 23 or 25 hours).
/// </summary>
/// <param name="timeZone">The zone whose calendar defines the windows.</param>
public sealed class BudgetCalendar(TimeZoneInfo timeZone)
{
    /// <summary>Gets the time zone.</summary>
    public TimeZoneInfo TimeZone { get; } = timeZone ?? throw new ArgumentNullException(nameof(timeZone));

    /// <summary>Parses a window name such as <c>daily</c>, <c>Hourly</c> or <c>month</c>.</summary>
    /// <param name="value">The name.</param>
    /// <returns>The window.</returns>
    /// <exception cref="ArgumentException">The name is not a known window.</exception>
    public static BudgetWindow ParseWindow(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return value.Trim().ToUpperInvariant() switch
        {
            "HOURLY" or "HOUR" => BudgetWindow.Hourly,
            "DAILY" or "DAY" => BudgetWindow.Daily,
            "WEEKLY" or "WEEK" => BudgetWindow.Weekly,
            "MONTHLY" or "MONTH" => BudgetWindow.Monthly,
            _ => throw new ArgumentException(
                $"Unknown budget window '{value}'; use one of Hourly, Daily, Weekly, Monthly.", nameof(value)),
        };
    }

    /// <summary>Returns the occurrence of <paramref name="window"/> that contains <paramref name="instant"/>.</summary>
    /// <param name="window">The window.</param>
    /// <param name="instant">The instant.</param>
    /// <returns>The period.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The window is not defined.</exception>
    public BudgetPeriod GetPeriod(BudgetWindow window, DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone);
        switch (window)
        {
            case BudgetWindow.Hourly:
                // Subtract the elapsed part of the local hour from the instant itself, so a repeated
                // hour at the autumn transition is two distinct periods.
                var start = instant - (local.TimeOfDay - TimeSpan.FromHours(local.Hour));
                var startLocal = TimeZoneInfo.ConvertTime(start, TimeZone);
                return new BudgetPeriod(
                    window,
                    "h:" + startLocal.ToString("yyyy-MM-dd'T'HHzzz", CultureInfo.InvariantCulture),
                    start,
                    start.AddHours(1));
            case BudgetWindow.Daily:
                var day = local.Date;
                return Create(window, "d:" + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day, day.AddDays(1));
            case BudgetWindow.Weekly:
                var monday = local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7));
                var key = string.Create(
                    CultureInfo.InvariantCulture, $"w:{ISOWeek.GetYear(monday):D4}-W{ISOWeek.GetWeekOfYear(monday):D2}");
                return Create(window, key, monday, monday.AddDays(7));
            case BudgetWindow.Monthly:
                var first = new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified);
                return Create(window, "m:" + first.ToString("yyyy-MM", CultureInfo.InvariantCulture), first, first.AddMonths(1));
            default:
                throw new ArgumentOutOfRangeException(nameof(window), window, "Unknown budget window; use Hourly, Daily, Weekly or Monthly.");
        }
    }

    private BudgetPeriod Create(BudgetWindow window, string key, DateTime localStart, DateTime localEnd) =>
        new(window, key, ToInstant(localStart), ToInstant(localEnd));

    private DateTimeOffset ToInstant(DateTime local)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);

        // A local midnight skipped by a spring-forward transition starts the day at the first valid minute.
        while (TimeZone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        if (TimeZone.IsAmbiguousTime(local))
        {
            // The earlier of the two instants (the larger offset) is when the local time first occurs.
            var offset = TimeZone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset);
        }

        return new DateTimeOffset(local, TimeZone.GetUtcOffset(local));
    }
}
