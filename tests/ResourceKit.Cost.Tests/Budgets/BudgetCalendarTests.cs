using ResourceKit.Cost.Budgets;

namespace ResourceKit.Cost.Tests.Budgets;

public class BudgetCalendarTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Test]
    public void GetPeriod_DailyInBerlin_StartsAtLocalMidnight()
    {
        var calendar = new BudgetCalendar(Berlin);

        // 23:30 UTC on 23 Nov is 00:30 on 24 Nov in Berlin (UTC+1).
        var period = calendar.GetPeriod(BudgetWindow.Daily, new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero));

        Assert.Multiple(() =>
        {
            Assert.That(period.Key, Is.EqualTo("d:2026-11-24"));
            Assert.That(period.Start, Is.EqualTo(new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero)));
            Assert.That(period.End - period.Start, Is.EqualTo(TimeSpan.FromHours(24)));
        });
    }

    [Test]
    public void GetPeriod_DaylightSavingDays_Last23And25Hours()
    {
        var calendar = new BudgetCalendar(Berlin);

        var spring = calendar.GetPeriod(BudgetWindow.Daily, new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero));
        var autumn = calendar.GetPeriod(BudgetWindow.Daily, new DateTimeOffset(2026, 10, 25, 12, 0, 0, TimeSpan.Zero));

        Assert.That(spring.End - spring.Start, Is.EqualTo(TimeSpan.FromHours(23)));
        Assert.That(autumn.End - autumn.Start, Is.EqualTo(TimeSpan.FromHours(25)));
    }

    [Test]
    public void GetPeriod_RepeatedAutumnHour_IsTwoDistinctPeriods()
    {
        var calendar = new BudgetCalendar(Berlin);

        // 00:30 and 01:30 UTC on 25 Oct 2026 are both 02:30 local in Berlin.
        var first = calendar.GetPeriod(BudgetWindow.Hourly, new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero));
        var second = calendar.GetPeriod(BudgetWindow.Hourly, new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero));

        Assert.That(first.Key, Is.Not.EqualTo(second.Key));
        Assert.That(first.End, Is.EqualTo(second.Start));
    }

    [Test]
    public void GetPeriod_IsoWeekAcrossYearEnd_BelongsToNextIsoYear()
    {
        var calendar = new BudgetCalendar(TimeZoneInfo.Utc);

        // Wednesday 31 Dec 2025 is in ISO week 2026-W01, which starts Monday 29 Dec 2025.
        var period = calendar.GetPeriod(BudgetWindow.Weekly, new DateTimeOffset(2025, 12, 31, 10, 0, 0, TimeSpan.Zero));

        Assert.That(period.Key, Is.EqualTo("w:2026-W01"));
        Assert.That(period.Start, Is.EqualTo(new DateTimeOffset(2025, 12, 29, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(period.End, Is.EqualTo(new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void GetPeriod_Monthly_IsCalendarMonthNotFixedDays()
    {
        var calendar = new BudgetCalendar(TimeZoneInfo.Utc);

        var february = calendar.GetPeriod(BudgetWindow.Monthly, new DateTimeOffset(2028, 2, 15, 0, 0, 0, TimeSpan.Zero));
        var march = calendar.GetPeriod(BudgetWindow.Monthly, new DateTimeOffset(2028, 3, 31, 23, 59, 59, TimeSpan.Zero));

        Assert.That(february.Key, Is.EqualTo("m:2028-02"));
        Assert.That(february.End - february.Start, Is.EqualTo(TimeSpan.FromDays(29)));
        Assert.That(march.End - march.Start, Is.EqualTo(TimeSpan.FromDays(31)));
    }

    [Test]
    public void ParseWindow_KnownNames_Parse()
    {
        Assert.That(BudgetCalendar.ParseWindow("daily"), Is.EqualTo(BudgetWindow.Daily));
        Assert.That(BudgetCalendar.ParseWindow(" Month "), Is.EqualTo(BudgetWindow.Monthly));
    }

    [Test]
    public void ParseWindow_UnknownName_ThrowsNamingValidWindows()
    {
        Assert.That(() => BudgetCalendar.ParseWindow("fortnightly"), Throws.ArgumentException.With.Message.Contains("Hourly, Daily, Weekly, Monthly"));
        Assert.That(() => new BudgetCalendar(TimeZoneInfo.Utc).GetPeriod((BudgetWindow)42, DateTimeOffset.UnixEpoch), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
